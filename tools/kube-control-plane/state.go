package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

type state struct {
	dir         string
	certDir     string
	caPEM       []byte
	servingCert string
	servingKey  string
	saKey       string
	tokenFile   string
}

// prepareState (re)creates the CA, the serving certificate, the service
// account signing key and the token file in dir. Everything is regenerated on
// every start: etcd data is wiped too, so nothing refers to old material.
func prepareState(dir, token string) (*state, error) {
	st := &state{
		dir:         dir,
		certDir:     filepath.Join(dir, "certs"),
		servingCert: filepath.Join(dir, "certs", "apiserver.crt"),
		servingKey:  filepath.Join(dir, "certs", "apiserver.key"),
		saKey:       filepath.Join(dir, "certs", "service-account.key"),
		tokenFile:   filepath.Join(dir, "token.csv"),
	}
	if err := os.MkdirAll(st.certDir, 0o700); err != nil {
		return nil, err
	}

	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "eksflow-test-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	st.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.0.0.1")},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	srvKeyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(st.certDir, "ca.crt"), st.caPEM, 0o644); err != nil {
		return nil, err
	}
	if err := writeFile(st.servingCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), 0o644); err != nil {
		return nil, err
	}
	if err := writeFile(st.servingKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: srvKeyDER}), 0o600); err != nil {
		return nil, err
	}

	// ES256 service-account tokens: an RSA-2048 key took 0.1-0.25 s of a start's CPU (the prime search), and
	// nothing here reads the tokens' algorithm.
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saKeyDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	if err := writeFile(st.saKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saKeyDER}), 0o600); err != nil {
		return nil, err
	}

	if err := writeFile(st.tokenFile, []byte(fmt.Sprintf("%s,eksflow-admin,eksflow-admin,\"system:masters\"\n", token)), 0o600); err != nil {
		return nil, err
	}
	return st, nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeKubeconfig(path, server string, caPEM []byte, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["eksflow-test"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["eksflow-admin"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["eksflow-test"] = &clientcmdapi.Context{Cluster: "eksflow-test", AuthInfo: "eksflow-admin", Namespace: "default"}
	cfg.CurrentContext = "eksflow-test"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return writeFile(path, data, 0o600)
}
