package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// simulator plays the kubelets of the simulated nodes: kube-scheduler binds
// pods, the simulator reports bound pods Running (and Ready once their
// readiness delay is over, unless an image contains "unready"),
// force-deletes pods that are being deleted, and deletes the pods of a node
// that is gone, as the node lifecycle would evict them (their ReplicaSet then
// makes new ones, which the scheduler places elsewhere or leaves Pending).
type simulator struct {
	client     kubernetes.Interface
	podLister  corelisters.PodLister
	nodeLister corelisters.NodeLister
	queue      workqueue.TypedRateLimitingInterface[string]
	// clock stamps the pods' start and condition times and times their readiness delays.
	clock     clock.WithDelayedExecution
	readiness *readinessClock

	ipSeq atomic.Uint32
}

const unreadyMarker = "unready"

func newSimulator(client kubernetes.Interface, podInformer coreinformers.PodInformer,
	nodeInformer coreinformers.NodeInformer, defaultReadyAfter time.Duration) *simulator {
	s := &simulator{
		client:     client,
		podLister:  podInformer.Lister(),
		nodeLister: nodeInformer.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](20*time.Millisecond, 2*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "pod-simulator"}),
	}
	s.clock = clock.RealClock{}
	s.readiness = newReadinessClock(defaultReadyAfter, func(key string) { s.queue.Add(key) }, s.clock)
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			s.queue.Add(key)
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				s.readiness.forget(pod.UID)
			}
		},
	})
	_, _ = nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			if node, ok := obj.(*corev1.Node); ok {
				s.enqueuePodsOn(node.Name)
			}
		},
	})
	return s
}

// enqueuePodsOn queues every pod bound to the node: sync evicts those whose node is gone.
func (s *simulator) enqueuePodsOn(nodeName string) {
	pods, err := s.podLister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, pod := range pods {
		if pod.Spec.NodeName == nodeName {
			if key, err := cache.MetaNamespaceKeyFunc(pod); err == nil {
				s.queue.Add(key)
			}
		}
	}
}

func fakeNode(i int) *corev1.Node {
	name := fmt.Sprintf("eksflow-node-%d", i)
	ip := fmt.Sprintf("10.20.0.%d", 10+i)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("64"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("1000"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, st corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: st, Reason: reason, Message: msg,
			LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname":           name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"beta.kubernetes.io/os":            "linux",
				"beta.kubernetes.io/arch":          "amd64",
				"node.kubernetes.io/instance-type": "m5.large",
				"topology.kubernetes.io/region":    "us-east-1",
				"topology.kubernetes.io/zone":      fmt.Sprintf("us-east-1%c", 'a'+rune((i-1)%3)),
				"eksflow.dev/simulated":            "true",
			},
		},
		Spec: corev1.NodeSpec{ProviderID: "simulated://" + name},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Phase:       corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "simulated"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "simulated"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "simulated"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "simulated node is ready"),
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: ip},
				{Type: corev1.NodeHostName, Address: name},
			},
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          "v1.36.3",
				ContainerRuntimeVersion: "simulated://1.0",
				OperatingSystem:         "linux",
				Architecture:            "amd64",
				OSImage:                 "kube-control-plane simulated node",
				KernelVersion:           "6.0.0",
			},
		},
	}
}

// createNodes creates (or replaces the status of) count generic fake nodes
// (the --nodes flag; the sandbox makes its nodes from EKS node groups instead).
func (s *simulator) createNodes(ctx context.Context, count int) error {
	for i := 1; i <= count; i++ {
		n := fakeNode(i)
		created, err := s.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			created, err = s.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		}
		if err != nil {
			return err
		}
		created.Status = n.Status
		if _, err := s.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func (s *simulator) run(ctx context.Context, workers int) {
	defer s.queue.ShutDown()
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for s.processNext(ctx) {
			}
		}, time.Second)
	}
	<-ctx.Done()
}

func (s *simulator) processNext(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	if err := s.sync(ctx, key); err != nil {
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			utilruntime.HandleErrorWithContext(ctx, err, "pod simulator", "pod", key)
		}
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

func (s *simulator) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := s.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case pod.DeletionTimestamp != nil:
		// No kubelet: finish the deletion right away.
		return s.forceDelete(ctx, pod)
	case pod.Spec.NodeName == "":
		return nil // kube-scheduler's to place (or to leave Pending)
	case s.nodeGone(ctx, pod.Spec.NodeName):
		klog.V(2).InfoS("evicting pod of a removed node", "pod", key, "node", pod.Spec.NodeName)
		return s.forceDelete(ctx, pod)
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	default:
		start, delayOver := s.readiness.startAndDelayOver(pod, key)
		desired := s.desiredStatus(pod, start, delayOver)
		if desired == nil {
			return nil
		}
		p := pod.DeepCopy()
		p.Status = *desired
		_, err := s.client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	}
}

// forceDelete deletes the pod with grace period 0, as a kubelet confirming its end would.
func (s *simulator) forceDelete(ctx context.Context, pod *corev1.Pod) error {
	s.readiness.forget(pod.UID)
	zero := int64(0)
	uid := pod.UID
	err := s.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// nodeGone tells whether the pod's node no longer exists. The informer may lag
// behind a node created a moment ago, so absence there is confirmed on the API.
func (s *simulator) nodeGone(ctx context.Context, name string) bool {
	if _, err := s.nodeLister.Get(name); err == nil {
		return false
	}
	_, err := s.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	return apierrors.IsNotFound(err)
}

func (s *simulator) nodeIP(name string) string {
	if n, err := s.nodeLister.Get(name); err == nil {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				return a.Address
			}
		}
	}
	return "10.20.0.254"
}

func (s *simulator) nextPodIP() string {
	n := s.ipSeq.Add(1)
	return fmt.Sprintf("10.244.%d.%d", (n/250)%250, n%250+2)
}

func fakeID(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return prefix + hex.EncodeToString(h[:])
}

// containerReady: a container is ready once the pod's readiness delay is
// over, unless its image says it never will be.
func containerReady(image string, delayOver bool) bool {
	return delayOver && !strings.Contains(image, unreadyMarker)
}

// desiredStatus returns the status the pod should have, or nil if its
// current status already says so. start is when the pod started (kept with
// full precision by the readiness clock); delayOver tells whether its
// readiness delay has passed.
func (s *simulator) desiredStatus(pod *corev1.Pod, start time.Time, delayOver bool) *corev1.PodStatus {
	ready := delayOver
	for _, c := range pod.Spec.Containers {
		if !containerReady(c.Image, delayOver) {
			ready = false
		}
	}
	cur := &pod.Status
	if cur.Phase == corev1.PodRunning && cur.PodIP != "" && cur.StartTime != nil &&
		conditionIs(cur, corev1.PodReady, ready) && conditionIs(cur, corev1.ContainersReady, ready) &&
		containerStatusesMatch(pod, cur.ContainerStatuses, delayOver) {
		return nil
	}

	now := metav1.NewTime(s.clock.Now())
	st := cur.DeepCopy()
	st.Phase = corev1.PodRunning
	st.Reason, st.Message = "", ""
	hostIP := s.nodeIP(pod.Spec.NodeName)
	st.HostIP = hostIP
	st.HostIPs = []corev1.HostIP{{IP: hostIP}}
	if st.PodIP == "" {
		ip := s.nextPodIP()
		if pod.Spec.HostNetwork {
			ip = hostIP
		}
		st.PodIP = ip
		st.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	if st.StartTime == nil {
		// The same instant on every attempt, so a retried update cannot move the start later.
		startTime := metav1.NewTime(start)
		st.StartTime = &startTime
	}
	started := func(name string, old []corev1.ContainerStatus) metav1.Time {
		for _, cs := range old {
			if cs.Name == name && cs.State.Running != nil {
				return cs.State.Running.StartedAt
			}
		}
		return now
	}
	t := true
	var initStatuses []corev1.ContainerStatus
	for _, c := range pod.Spec.InitContainers {
		cs := corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     fakeID("docker.io/library/simulated@sha256:", c.Image),
			ContainerID: fakeID("containerd://", string(pod.UID), c.Name),
			Started:     &t,
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			cs.Ready = containerReady(c.Image, delayOver)
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started(c.Name, cur.InitContainerStatuses)}
		} else {
			f := false
			cs.Started = &f
			cs.Ready = true
			cs.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}
		}
		initStatuses = append(initStatuses, cs)
	}
	st.InitContainerStatuses = initStatuses
	var statuses []corev1.ContainerStatus
	for _, c := range pod.Spec.Containers {
		statuses = append(statuses, corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     fakeID("docker.io/library/simulated@sha256:", c.Image),
			ContainerID: fakeID("containerd://", string(pod.UID), c.Name),
			Ready:       containerReady(c.Image, delayOver),
			Started:     &t,
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started(c.Name, cur.ContainerStatuses)}},
		})
	}
	st.ContainerStatuses = statuses
	readyStatus := corev1.ConditionTrue
	reason := ""
	if !ready {
		readyStatus = corev1.ConditionFalse
		reason = "ContainersNotReady"
	}
	setCondition(st, pod.Generation, corev1.PodReadyToStartContainers, corev1.ConditionTrue, "", now)
	setCondition(st, pod.Generation, corev1.PodInitialized, corev1.ConditionTrue, "", now)
	setCondition(st, pod.Generation, corev1.PodReady, readyStatus, reason, now)
	setCondition(st, pod.Generation, corev1.ContainersReady, readyStatus, reason, now)
	setCondition(st, pod.Generation, corev1.PodScheduled, corev1.ConditionTrue, "", now)
	return st
}

func conditionIs(st *corev1.PodStatus, t corev1.PodConditionType, want bool) bool {
	for _, c := range st.Conditions {
		if c.Type == t {
			return (c.Status == corev1.ConditionTrue) == want
		}
	}
	return false
}

func containerStatusesMatch(pod *corev1.Pod, statuses []corev1.ContainerStatus, delayOver bool) bool {
	if len(statuses) != len(pod.Spec.Containers) {
		return false
	}
	byName := map[string]corev1.ContainerStatus{}
	for _, cs := range statuses {
		byName[cs.Name] = cs
	}
	for _, c := range pod.Spec.Containers {
		cs, ok := byName[c.Name]
		if !ok || cs.Image != c.Image || cs.State.Running == nil || cs.Ready != containerReady(c.Image, delayOver) {
			return false
		}
	}
	return true
}

func setCondition(st *corev1.PodStatus, generation int64, t corev1.PodConditionType, status corev1.ConditionStatus, reason string, now metav1.Time) {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type == t {
			if c.Status != status {
				c.LastTransitionTime = now
			}
			c.Status = status
			c.Reason = reason
			c.Message = ""
			c.ObservedGeneration = generation
			return
		}
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{
		Type: t, Status: status, Reason: reason, LastTransitionTime: now, ObservedGeneration: generation,
	})
}
