package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

// apiServerArgs mirrors the flags controller-runtime's envtest passes to
// kube-apiserver (pkg/internal/testing/controlplane/apiserver.go), plus a
// few that make a single-process test server start faster.
// webhookArgs (webhooks.go) add the authentication and authorization flags.
func apiServerArgs(st *state, etcdURL string, port int, server string, webhookArgs []string) []string {
	return append([]string{
		"--etcd-servers=" + etcdURL,
		"--cert-dir=" + st.certDir,
		"--tls-cert-file=" + st.servingCert,
		"--tls-private-key-file=" + st.servingKey,
		"--secure-port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		// TaintNodesByCondition taints every new Node not-ready until the node lifecycle controller
		// sees its kubelet; there is neither here: simulated Nodes are Ready from the start.
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
		"--token-auth-file=" + st.tokenFile,
		"--service-account-issuer=" + server,
		"--service-account-key-file=" + st.saKey,
		"--service-account-signing-key-file=" + st.saKey,
		// 127.0.0.1 may not be stored in the "kubernetes" Endpoints object.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}, webhookArgs...)
}

// runAPIServer does what app.NewAPIServerCommand's RunE does, but with our
// own context (NewAPIServerCommand installs its own signal handler) and
// without re-configuring logging.
func runAPIServer(ctx context.Context, args []string) error {
	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return utilerrors.NewAggregate(errs)
	}
	featureGate := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	if mfg, ok := featureGate.(featuregate.MutableFeatureGate); ok {
		mfg.AddMetrics()
	}
	return app.Run(ctx, completed)
}

// waitReady polls /readyz until it answers 200.
func waitReady(ctx context.Context, cfg *rest.Config, apiErr <-chan error) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(120 * time.Second)
	var last error
	for {
		var status int
		res := client.Discovery().RESTClient().Get().AbsPath("/readyz").Timeout(5 * time.Second).Do(ctx).StatusCode(&status)
		if res.Error() == nil && status == http.StatusOK {
			return nil
		}
		last = res.Error()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-apiErr:
			if err == nil {
				err = fmt.Errorf("exited")
			}
			return fmt.Errorf("kube-apiserver: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after 120s: %v", last)
		}
	}
}
