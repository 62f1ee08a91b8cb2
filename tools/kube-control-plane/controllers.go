package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/controller-manager/pkg/informerfactory"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
	"k8s.io/kubernetes/pkg/controller/deployment"
	"k8s.io/kubernetes/pkg/controller/garbagecollector"
	"k8s.io/kubernetes/pkg/controller/namespace"
	"k8s.io/kubernetes/pkg/controller/replicaset"
	"k8s.io/kubernetes/pkg/controller/serviceaccount"
)

// startControllers constructs and starts the controllers that kube-controller-manager
// would run for Deployments to roll and namespaces to finish deleting, plus the
// kube-scheduler and the kubelet simulator. It returns once informers have synced and nodes exist.
func startControllers(ctx context.Context, cfg *rest.Config, nodeCount int, defaultReadyAfter time.Duration) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	metaClient, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	nsCfg := rest.CopyConfig(cfg)
	nsCfg.QPS *= 20
	nsCfg.Burst *= 100
	nsClient, err := kubernetes.NewForConfig(nsCfg)
	if err != nil {
		return err
	}
	nsMetaClient, err := metadata.NewForConfig(nsCfg)
	if err != nil {
		return err
	}

	factory := informers.NewSharedInformerFactory(client, 0)
	metaFactory := metadatainformer.NewSharedInformerFactory(metaClient, 0)
	informersStarted := make(chan struct{})

	restMapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))
	go wait.Until(restMapper.Reset, 30*time.Second, ctx.Done())

	ctx = klog.NewContext(ctx, klog.Background())

	dc, err := deployment.NewDeploymentController(ctx,
		factory.Apps().V1().Deployments(), factory.Apps().V1().ReplicaSets(), factory.Core().V1().Pods(), client)
	if err != nil {
		return fmt.Errorf("deployment controller: %w", err)
	}
	rsc := replicaset.NewReplicaSetController(ctx,
		factory.Apps().V1().ReplicaSets(), factory.Core().V1().Pods(), client, replicaset.BurstReplicas)

	gc, err := garbagecollector.NewGarbageCollector(ctx, client, metaClient, restMapper,
		garbagecollector.DefaultIgnoredResources(),
		informerfactory.NewInformerFactory(factory, metaFactory), informersStarted)
	if err != nil {
		return fmt.Errorf("garbage collector: %w", err)
	}

	// The namespace controller estimates the remaining time from the pods'
	// terminationGracePeriodSeconds (default 30s) and re-checks only after
	// half of it. There is no kubelet here and the simulator force-deletes
	// terminating pods anyway, so let its pod listing do that right away
	// (see fastPods): namespaces then go away ~5s after deletion.
	nc := namespace.NewNamespaceController(ctx, fastPodsClient{nsClient}, nsMetaClient,
		nsClient.Discovery().ServerPreferredNamespacedResources,
		factory.Core().V1().Namespaces(), 5*time.Minute, corev1.FinalizerKubernetes)

	sac, err := serviceaccount.NewServiceAccountsController(klog.Background(),
		factory.Core().V1().ServiceAccounts(), factory.Core().V1().Namespaces(), client,
		serviceaccount.DefaultServiceAccountsControllerOptions())
	if err != nil {
		return fmt.Errorf("serviceaccount controller: %w", err)
	}

	// The bootstrap ClusterRoles admin, edit and view have no rules of their own: this controller gathers them
	// from the system:aggregate-to-* roles (EKS's access policies act as those ClusterRoles).
	crac := clusterroleaggregation.NewClusterRoleAggregation(factory.Rbac().V1().ClusterRoles(), client.RbacV1())

	sim := newSimulator(client, factory.Core().V1().Pods(), factory.Core().V1().Nodes(), defaultReadyAfter)

	go dc.Run(ctx, 5)
	go rsc.Run(ctx, 5)
	go gc.Run(ctx, 5, 30*time.Second)
	go gc.Sync(ctx, client.Discovery(), 30*time.Second)
	go nc.Run(ctx, 5)
	go sac.Run(ctx, 1)
	go crac.Run(ctx, 1)

	factory.Start(ctx.Done())
	metaFactory.Start(ctx.Done())
	close(informersStarted)
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("informer for %v did not sync", typ)
		}
	}
	if err := waitAggregated(ctx, client, "admin", "edit", "view"); err != nil {
		return err
	}
	if err := sim.createNodes(ctx, nodeCount); err != nil {
		return fmt.Errorf("nodes: %w", err)
	}
	go sim.run(ctx, 4)
	return startScheduler(ctx, client)
}

// waitAggregated returns once each aggregated ClusterRole has rules, so that
// they grant what they should from the ready line on.
func waitAggregated(ctx context.Context, client kubernetes.Interface, names ...string) error {
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			role, err := client.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
			if err != nil || len(role.Rules) == 0 {
				return false, nil
			}
		}
		return true, nil
	})
}

// fastPodsClient wraps a clientset for the namespace controller. Its pod
// lister is only used to estimate graceful termination of the pods of a
// namespace being deleted, just before the controller deletes them; here it
// force-deletes them (grace period 0) as the simulated kubelet would, and
// reports what remains (pods held by finalizers).
type fastPodsClient struct{ kubernetes.Interface }

func (c fastPodsClient) CoreV1() corev1client.CoreV1Interface {
	// A pointer: the deleter calls reflect.Value.IsNil on it.
	return &fastCoreV1{c.Interface.CoreV1()}
}

type fastCoreV1 struct{ corev1client.CoreV1Interface }

func (c *fastCoreV1) Pods(ns string) corev1client.PodInterface {
	return &fastPods{c.CoreV1Interface.Pods(ns)}
}

type fastPods struct{ corev1client.PodInterface }

func (p *fastPods) List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	list, err := p.PodInterface.List(ctx, opts)
	if err != nil {
		return list, err
	}
	zero := int64(0)
	remaining := list.Items[:0]
	for _, pod := range list.Items {
		uid := pod.UID
		err := p.PodInterface.Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &uid},
		})
		if err == nil && len(pod.Finalizers) == 0 || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			continue
		}
		remaining = append(remaining, pod)
	}
	list.Items = remaining
	return list, nil
}
