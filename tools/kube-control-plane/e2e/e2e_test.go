// Package e2e tests a kube-control-plane binary end to end.
//
// Run with: KUBE_CONTROL_PLANE_BIN=$(../build.sh | tail -1) go test -v ./e2e/
// (from tools/kube-control-plane). Without the variable the test is skipped.
package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type readyLine struct {
	Ready      bool   `json:"ready"`
	Server     string `json:"server"`
	CAData     string `json:"caData"`
	Token      string `json:"token"`
	Kubeconfig string `json:"kubeconfig"`
}

func startControlPlane(t *testing.T, extraArgs ...string) (*kubernetes.Clientset, readyLine) {
	bin := os.Getenv("KUBE_CONTROL_PLANE_BIN")
	if bin == "" {
		t.Skip("KUBE_CONTROL_PLANE_BIN not set")
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, append([]string{"--dir", dir, "--exit-on-stdin-close", "--nodes", "2"}, extraArgs...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Closing stdin must make the process exit on its own.
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("kube-control-plane exited with %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("kube-control-plane did not exit within 30s of stdin close")
		}
	})

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var rl readyLine
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("stdout closed before ready line")
		}
		if err := json.Unmarshal([]byte(l), &rl); err != nil || !rl.Ready {
			t.Fatalf("bad ready line %q: %v", l, err)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("no ready line within 120s")
	}
	t.Logf("ready after %v: server=%s kubeconfig=%s", time.Since(start), rl.Server, rl.Kubeconfig)
	if rl.Kubeconfig != filepath.Join(dir, "kubeconfig") {
		t.Errorf("kubeconfig = %q", rl.Kubeconfig)
	}
	if rl.Token != "eksflow-test-token" {
		t.Errorf("token = %q", rl.Token)
	}
	ca, err := base64.StdEncoding.DecodeString(rl.CAData)
	if err != nil || !strings.Contains(string(ca), "BEGIN CERTIFICATE") {
		t.Errorf("caData is not base64 PEM: %v", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", rl.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Insecure {
		t.Error("kubeconfig must verify TLS")
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client, rl
}

func poll(t *testing.T, timeout time.Duration, what string, f func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	last := ""
	for time.Since(start) < timeout {
		ok, msg := f()
		if ok {
			return time.Since(start)
		}
		last = msg
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s: %s", timeout, what, last)
	return 0
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestControlPlane(t *testing.T) {
	client, _ := startControlPlane(t)
	ctx := context.Background()

	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 2 {
		t.Fatalf("nodes: %v %v", len(nodes.Items), err)
	}

	ns := "e2e"
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "default service account", func() (bool, string) {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})

	// A single pod becomes Ready within about a second.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "single"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
	}
	if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := poll(t, 5*time.Second, "single pod ready", func() (bool, string) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, "single", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return podReady(p) && p.Spec.NodeName != "" && p.Status.PodIP != "", string(p.Status.Phase)
	})
	t.Logf("single pod ready after %v", d)
	if d > 2*time.Second {
		t.Errorf("pod took %v to become ready", d)
	}
	// Deleting it (default grace period) removes it promptly.
	if err := client.CoreV1().Pods(ns).Delete(ctx, "single", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 5*time.Second, "single pod gone", func() (bool, string) {
		_, err := client.CoreV1().Pods(ns).Get(ctx, "single", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})

	// Deployment with a ready image rolls out.
	replicas := int32(3)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = poll(t, 20*time.Second, "deployment available", func() (bool, string) {
		dd, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := dd.Status
		return rolledOut(dd), fmt.Sprintf("%+v", s)
	})
	t.Logf("deployment rolled out after %v", d)
	pods, _ := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	ready := 0
	for i := range pods.Items {
		if podReady(&pods.Items[i]) {
			ready++
		}
	}
	if ready != 3 || len(pods.Items) != 3 {
		t.Errorf("pods %d ready %d, want 3/3", len(pods.Items), ready)
	}

	// Switch to an unready image: the rollout stalls.
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:unready"}]}}}}`)
	if _, err := client.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "unready pod running", func() (bool, string) {
		pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.Set{"app": "web"}.String()})
		if err != nil {
			return false, err.Error()
		}
		for _, p := range pods.Items {
			if p.Spec.Containers[0].Image == "nginx:unready" && p.Status.Phase == corev1.PodRunning && !podReady(&p) &&
				len(p.Status.ContainerStatuses) == 1 && !p.Status.ContainerStatuses[0].Ready {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d pods", len(pods.Items))
	})
	// The controller has seen the change and stands where the never-Ready pod holds it (maxUnavailable 0):
	// observed, not waited for, and it cannot move on, since that pod never becomes Ready.
	var dd *appsv1.Deployment
	poll(t, 10*time.Second, "rollout stalled at the unready pod", func() (bool, string) {
		var err error
		dd, err = client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := dd.Status
		return s.ObservedGeneration >= dd.Generation && s.UpdatedReplicas == 1 && s.AvailableReplicas == 3,
			fmt.Sprintf("%+v", s)
	})
	if rolledOut(dd) {
		t.Errorf("rollout of unready image completed: %+v", dd.Status)
	}

	// Delete the deployment: ReplicaSets and pods are garbage-collected.
	if err := client.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	d = poll(t, 30*time.Second, "replicasets and pods collected", func() (bool, string) {
		rs, err1 := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		pods, err2 := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err1 != nil || err2 != nil {
			return false, fmt.Sprint(err1, err2)
		}
		return len(rs.Items) == 0 && len(pods.Items) == 0, fmt.Sprintf("rs=%d pods=%d", len(rs.Items), len(pods.Items))
	})
	t.Logf("garbage collected after %v", d)

	// Delete a namespace with a deployment in it: it goes away.
	dep.Spec.Template.Spec.Containers[0].Image = "nginx:1"
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 20*time.Second, "second deployment available", func() (bool, string) {
		dd, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && rolledOut(dd), fmt.Sprint(err)
	})
	if err := client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	d = poll(t, 60*time.Second, "namespace gone", func() (bool, string) {
		n, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		return false, fmt.Sprintf("%s %+v", n.Status.Phase, n.Status.Conditions)
	})
	t.Logf("namespace deleted after %v", d)
}

// rolledOut mirrors `kubectl rollout status` for a Deployment.
func rolledOut(d *appsv1.Deployment) bool {
	s := d.Status
	want := *d.Spec.Replicas
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.Replicas == want &&
		s.AvailableReplicas == want && s.ReadyReplicas == want
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// The order of readiness on the real binary: a pod whose delay (its annotation, else the
// --ready-after-seconds default) lasts an hour is Running and not Ready; once its annotation says 0 it
// is Ready. How long a delay lasts is timed on a fake clock in readiness_test.go, not here.
func TestReadinessDelay(t *testing.T) {
	const hour = "3600"
	client, _ := startControlPlane(t, "--ready-after-seconds", hour)
	ctx := context.Background()
	ns := "readiness"
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "default service account", func() (bool, string) {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	create := func(name, image string, annotations map[string]string) {
		t.Helper()
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
		}
		if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (*corev1.Pod, error) {
		return client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	}
	const annotation = "sandbox.eksflow.io/ready-after-seconds"
	create("annotated", "nginx:1", map[string]string{annotation: hour})
	create("defaulted", "nginx:1", nil)
	create("invalid", "nginx:1", map[string]string{annotation: "soon"})
	create("fraction", "nginx:1", map[string]string{annotation: "0.5"})
	create("never", "nginx:unready", map[string]string{annotation: "0"})
	create("deleted-early", "nginx:1", map[string]string{annotation: hour})

	// Held back by the annotation, the default, or the default an invalid annotation falls back to:
	// Running, with Ready, ContainersReady and the container not ready.
	held := []string{"annotated", "defaulted", "invalid"}
	for _, name := range held {
		poll(t, 5*time.Second, name+" pod running but not ready", func() (bool, string) {
			p, err := get(name)
			if err != nil {
				return false, err.Error()
			}
			return p.Status.Phase == corev1.PodRunning, string(p.Status.Phase)
		})
		p, err := get(name)
		if err != nil {
			t.Fatal(err)
		}
		cr := podCondition(p, corev1.ContainersReady)
		if podReady(p) || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].Ready ||
			p.Status.ContainerStatuses[0].State.Running == nil || cr == nil || cr.Status != corev1.ConditionFalse ||
			cr.Reason != "ContainersNotReady" {
			t.Errorf("%s: want Running and not Ready, got %+v", name, p.Status)
		}
	}

	// Their delays end (0 s from a start already past): each becomes Ready. "fraction" becomes
	// Ready when its own half-second timer fires.
	for _, name := range held {
		patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:"0"}}}`, annotation))
		if _, err := client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range append(held, "fraction") {
		var pod *corev1.Pod
		poll(t, 10*time.Second, name+" pod ready", func() (bool, string) {
			p, err := get(name)
			if err != nil {
				return false, err.Error()
			}
			pod = p
			return podReady(p), fmt.Sprintf("%+v", p.Status.Conditions)
		})
		if cs := pod.Status.ContainerStatuses; len(cs) != 1 || !cs[0].Ready || cs[0].State.Running == nil {
			t.Errorf("%s: container statuses %+v", name, cs)
		}
		if cr := podCondition(pod, corev1.ContainersReady); cr == nil || cr.Status != corev1.ConditionTrue {
			t.Errorf("%s: ContainersReady %+v", name, cr)
		}
	}

	// An `unready` image never becomes Ready, delay over or not: its first Running status says so already.
	poll(t, 5*time.Second, "never pod running", func() (bool, string) {
		p, err := get("never")
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning, string(p.Status.Phase)
	})
	if p, err := get("never"); err != nil || podReady(p) {
		t.Errorf("unready image: err %v, ready %v", err, err == nil && podReady(p))
	}

	// A pod deleted while waiting for readiness goes away like any other.
	if err := client.CoreV1().Pods(ns).Delete(ctx, "deleted-early", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 5*time.Second, "deleted-early pod gone", func() (bool, string) {
		_, err := get("deleted-early")
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})

	// A Deployment of annotated pods rolls out once each pod's delay (its timer) has passed.
	replicas := int32(2)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "slow"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "slow"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "slow"}, Annotations: map[string]string{annotation: "1"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "slow deployment rolled out", func() (bool, string) {
		dd, err := client.AppsV1().Deployments(ns).Get(ctx, "slow", metav1.GetOptions{})
		return err == nil && rolledOut(dd), fmt.Sprint(err)
	})
}
