// Command kube-control-plane runs a small, self-contained Kubernetes control
// plane for tests: embedded etcd, an in-process kube-apiserver, the
// deployment/replicaset/garbage-collector/namespace/serviceaccount controllers,
// kube-scheduler, and a pod simulator that stands in for the kubelets.
//
// See README.md for the interface.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
)

type readyLine struct {
	Ready      bool   `json:"ready"`
	Server     string `json:"server"`
	CAData     string `json:"caData"`
	Token      string `json:"token"`
	Kubeconfig string `json:"kubeconfig"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "kube-control-plane: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	// A start allocates hundreds of MB of short-lived objects (API registration, RBAC bootstrap): collecting
	// at 4x the live heap rather than 2x cut the CPU of a start by about a fifth (1.9 -> 1.6 s, interleaved
	// runs), for ~100 MB more memory per control plane.
	debug.SetGCPercent(400)
	fs := pflag.NewFlagSet("kube-control-plane", pflag.ContinueOnError)
	dir := fs.String("dir", "", "state directory (etcd data, certs, keys, token file, kubeconfig); required")
	port := fs.Int("port", 0, "kube-apiserver secure port on 127.0.0.1; 0 = pick a free port")
	token := fs.String("token", "eksflow-test-token", "bearer token of the admin user (group system:masters)")
	nodes := fs.Int("nodes", 1, "number of generic simulated nodes (0: none; the sandbox adds Nodes for EKS node groups itself)")
	exitOnStdinClose := fs.Bool("exit-on-stdin-close", false, "shut down when standard input is closed (EOF)")
	readyAfterSeconds := fs.String("ready-after-seconds", "0",
		"seconds (fractions allowed) from a pod's start until it is Ready, for pods without the "+readyAfterAnnotation+" annotation")
	authenticateURL := fs.String("authentication-webhook", "",
		"URL of a token webhook (TokenReview v1) that authenticates bearer tokens other than --token (EKS: aws-iam-authenticator)")
	authorizeURL := fs.String("authorization-webhook", "",
		"URL of an authorization webhook (SubjectAccessReview v1) asked after RBAC (EKS: access policies); authorization mode RBAC,Webhook")
	webhookCacheTTL := fs.Duration("webhook-cache-ttl", 2*time.Second,
		"how long the apiserver keeps a webhook's answer, allowed or not")
	verbose := fs.Bool("verbose", false, "log info-level messages of etcd/apiserver/controllers to stderr (default: errors only)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == pflag.ErrHelp {
			return nil
		}
		return err
	}
	if *dir == "" {
		return fmt.Errorf("--dir is required")
	}
	if *nodes < 0 {
		*nodes = 0
	}
	defaultReadyAfter, err := parseReadyAfter(*readyAfterSeconds)
	if err != nil {
		return fmt.Errorf("--ready-after-seconds: %w", err)
	}
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(absDir, 0o755); err != nil {
		return err
	}
	setupLogging(*verbose)
	start := time.Now()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	sigCh := make(chan os.Signal, 2)
	signal.Notify(sigCh, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigCh
		logf("received %v, shutting down", s)
		cancel()
		s = <-sigCh
		logf("received second %v, exiting immediately", s)
		os.Exit(1)
	}()
	if *exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			logf("stdin closed, shutting down")
			cancel()
		}()
	}

	// Ports.
	apiPort := *port
	if apiPort == 0 {
		if apiPort, err = freePort(); err != nil {
			return err
		}
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)

	// Certificates, keys, token file.
	st, err := prepareState(absDir, *token)
	if err != nil {
		return err
	}

	// Before etcd starts, so that a bad webhook URL fails at once.
	webhookArgs, err := webhooks{
		authenticateURL: *authenticateURL,
		authorizeURL:    *authorizeURL,
		cacheTTL:        *webhookCacheTTL,
	}.apiServerArgs(absDir)
	if err != nil {
		return err
	}

	// etcd.
	etcdSrv, etcdURL, err := startEtcd(filepath.Join(absDir, "etcd"), *verbose)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer stopEtcd(etcdSrv)
	logf("etcd ready at %s after %v", etcdURL, time.Since(start).Round(time.Millisecond))

	// kube-apiserver.
	apiErr := make(chan error, 1)
	apiCtx, apiCancel := context.WithCancel(context.Background())
	defer apiCancel()
	go func() {
		apiErr <- runAPIServer(apiCtx, apiServerArgs(st, etcdURL, apiPort, server, webhookArgs))
	}()
	// The apiserver is stopped with its own context so that etcd outlives it.
	go func() {
		<-ctx.Done()
		apiCancel()
	}()

	cfg := &rest.Config{
		Host:            server,
		BearerToken:     *token,
		TLSClientConfig: rest.TLSClientConfig{CAData: st.caPEM},
		QPS:             200,
		Burst:           400,
		UserAgent:       "kube-control-plane",
	}
	if err := waitReady(ctx, cfg, apiErr); err != nil {
		if ctx.Err() != nil {
			logf("stopped before ready")
			return nil
		}
		return err
	}
	logf("kube-apiserver ready at %s after %v", server, time.Since(start).Round(time.Millisecond))

	if err := startControllers(ctx, cfg, *nodes, defaultReadyAfter); err != nil {
		if ctx.Err() != nil {
			logf("stopped before ready")
			return nil
		}
		return fmt.Errorf("controllers: %w", err)
	}

	kubeconfigPath := filepath.Join(absDir, "kubeconfig")
	if err := writeKubeconfig(kubeconfigPath, server, st.caPEM, *token); err != nil {
		return err
	}

	line, _ := json.Marshal(readyLine{
		Ready:      true,
		Server:     server,
		CAData:     base64.StdEncoding.EncodeToString(st.caPEM),
		Token:      *token,
		Kubeconfig: kubeconfigPath,
	})
	logf("control plane ready after %v", time.Since(start).Round(time.Millisecond))
	if _, err := fmt.Fprintln(os.Stdout, string(line)); err != nil {
		return err
	}

	// Run until asked to stop or the apiserver dies.
	select {
	case <-ctx.Done():
	case err := <-apiErr:
		cancel()
		if err != nil {
			return fmt.Errorf("kube-apiserver exited: %w", err)
		}
		return fmt.Errorf("kube-apiserver exited unexpectedly")
	}
	// No graceful shutdown: every start wipes the state directory (etcd data, certificates), so draining the
	// apiserver and closing etcd would only keep a deleted cluster's owner waiting (about 1 s per stop).
	logf("stopped")
	os.Exit(0)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// logf writes a progress message of this program to stderr (always, unlike klog output).
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kube-control-plane: "+format+"\n", args...)
}
