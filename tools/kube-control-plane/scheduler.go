package main

import (
	"context"
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/profile"
)

// startScheduler runs the real kube-scheduler (pkg/scheduler with the default
// profile, as kube-scheduler runs it without a config file), so taints,
// tolerations, node selectors, affinity and resource requests decide where a
// pod goes, and a pod that fits nowhere stays Pending. It runs in-process,
// without kube-scheduler's own HTTPS server or leader election: several
// control planes run side by side and must not fight over ports.
// It returns once its informers have synced.
func startScheduler(ctx context.Context, client kubernetes.Interface) error {
	// The scheduler's own factory: its pod informer leaves out finished pods.
	factory := scheduler.NewInformerFactory(client, 0)
	broadcaster := events.NewEventBroadcasterAdapterWithContext(ctx, client)
	recorders := profile.RecorderFactory(func(name string) events.EventRecorderLogger {
		return broadcaster.NewRecorder(name)
	})
	sched, err := scheduler.New(ctx, client, factory, nil, recorders)
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	broadcaster.StartRecordingToSink(ctx.Done())
	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("scheduler informer for %v did not sync", typ)
		}
	}
	if err := sched.WaitForHandlersSync(ctx); err != nil {
		klog.ErrorS(err, "scheduler handlers are not fully synchronized")
	}
	go func() {
		sched.Run(ctx)
		broadcaster.Shutdown()
	}()
	return nil
}
