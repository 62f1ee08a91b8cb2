package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
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
	"k8s.io/kubernetes/pkg/controller/deployment"
	"k8s.io/kubernetes/pkg/controller/garbagecollector"
	"k8s.io/kubernetes/pkg/controller/namespace"
	"k8s.io/kubernetes/pkg/controller/replicaset"
	"k8s.io/kubernetes/pkg/controller/serviceaccount"
)

// startControllers constructs and starts the controllers that kube-controller-manager
// would run for Deployments to roll and namespaces to finish deleting, plus the
// node/pod simulator. It returns once informers have synced and nodes exist.
func startControllers(ctx context.Context, cfg *rest.Config, nodeCount int) error {
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
	// half of it. Our simulator force-deletes terminating pods at once, so
	// report at most 1s to let namespaces go away in a few seconds.
	nc := namespace.NewNamespaceController(ctx, fastPodsClient{nsClient}, nsMetaClient,
		nsClient.Discovery().ServerPreferredNamespacedResources,
		factory.Core().V1().Namespaces(), 5*time.Minute, corev1.FinalizerKubernetes)

	sac, err := serviceaccount.NewServiceAccountsController(klog.Background(),
		factory.Core().V1().ServiceAccounts(), factory.Core().V1().Namespaces(), client,
		serviceaccount.DefaultServiceAccountsControllerOptions())
	if err != nil {
		return fmt.Errorf("serviceaccount controller: %w", err)
	}

	sim := newSimulator(client, factory.Core().V1().Pods(), nodeCount)

	go dc.Run(ctx, 5)
	go rsc.Run(ctx, 5)
	go gc.Run(ctx, 5, 30*time.Second)
	go gc.Sync(ctx, client.Discovery(), 30*time.Second)
	go nc.Run(ctx, 5)
	go sac.Run(ctx, 1)

	factory.Start(ctx.Done())
	metaFactory.Start(ctx.Done())
	close(informersStarted)
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("informer for %v did not sync", typ)
		}
	}
	if err := sim.createNodes(ctx); err != nil {
		return fmt.Errorf("nodes: %w", err)
	}
	go sim.run(ctx, 4)
	return nil
}

// fastPodsClient wraps a clientset so that pod lists made by the namespace
// controller report terminationGracePeriodSeconds of at most 1.
type fastPodsClient struct{ kubernetes.Interface }

func (c fastPodsClient) CoreV1() corev1client.CoreV1Interface {
	return fastCoreV1{c.Interface.CoreV1()}
}

type fastCoreV1 struct{ corev1client.CoreV1Interface }

func (c fastCoreV1) Pods(ns string) corev1client.PodInterface {
	return fastPods{c.CoreV1Interface.Pods(ns)}
}

type fastPods struct{ corev1client.PodInterface }

func (p fastPods) List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	list, err := p.PodInterface.List(ctx, opts)
	if err != nil {
		return list, err
	}
	one := int64(1)
	for i := range list.Items {
		if g := list.Items[i].Spec.TerminationGracePeriodSeconds; g != nil && *g > 1 {
			list.Items[i].Spec.TerminationGracePeriodSeconds = &one
		}
	}
	return list, nil
}
