package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// webhooks are the optional authentication and authorization webhooks of the
// apiserver: EKS authenticates bearer tokens with a token webhook
// (aws-iam-authenticator) and evaluates access policies beside RBAC; the
// eksflow sandbox plays that part (local/sandbox/eks-authenticator.ts).
type webhooks struct {
	authenticateURL string
	authorizeURL    string
	// How long the apiserver keeps a webhook's answer (allowed or not) before
	// asking again: a change of access entries takes effect within this time.
	cacheTTL time.Duration
}

// apiServerArgs are the kube-apiserver flags for the configured webhooks;
// their kubeconfig files are written into dir.
func (w webhooks) apiServerArgs(dir string) ([]string, error) {
	args := []string{}
	authorizationMode := "RBAC"
	if w.authenticateURL != "" {
		file := filepath.Join(dir, "authentication-webhook.kubeconfig")
		if err := writeWebhookKubeconfig(file, w.authenticateURL); err != nil {
			return nil, err
		}
		args = append(args,
			"--authentication-token-webhook-config-file="+file,
			"--authentication-token-webhook-version=v1",
			"--authentication-token-webhook-cache-ttl="+w.cacheTTL.String(),
		)
	}
	if w.authorizeURL != "" {
		file := filepath.Join(dir, "authorization-webhook.kubeconfig")
		if err := writeWebhookKubeconfig(file, w.authorizeURL); err != nil {
			return nil, err
		}
		// RBAC first: what RBAC allows needs no webhook call; the webhook only adds (access policies).
		authorizationMode = "RBAC,Webhook"
		args = append(args,
			"--authorization-webhook-config-file="+file,
			"--authorization-webhook-version=v1",
			"--authorization-webhook-cache-authorized-ttl="+w.cacheTTL.String(),
			"--authorization-webhook-cache-unauthorized-ttl="+w.cacheTTL.String(),
		)
	}
	return append(args, "--authorization-mode="+authorizationMode), nil
}

// writeWebhookKubeconfig writes the kubeconfig a webhook flag takes: the
// service's URL (plain http on loopback is accepted) and no credentials.
func writeWebhookKubeconfig(path, server string) error {
	parsed, err := url.Parse(server)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return fmt.Errorf("webhook URL %q: must be an absolute http(s) URL", server)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["webhook"] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos["kube-apiserver"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["webhook"] = &clientcmdapi.Context{Cluster: "webhook", AuthInfo: "kube-apiserver"}
	cfg.CurrentContext = "webhook"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return writeFile(path, data, 0o600)
}
