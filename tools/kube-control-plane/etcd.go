package main

import (
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"go.etcd.io/etcd/server/v3/embed"
)

// startEtcd starts a single-member embedded etcd with fresh data in dataDir,
// listening on free loopback ports. It returns the client URL.
func startEtcd(dataDir string, verbose bool) (*embed.Etcd, string, error) {
	if err := os.RemoveAll(dataDir); err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, "", err
	}
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", clientPort))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", peerPort))

	cfg := embed.NewConfig()
	cfg.Name = "kube-control-plane"
	cfg.Dir = dataDir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.EnableGRPCGateway = false
	cfg.UnsafeNoFsync = true // test data only; much faster on slow disks
	cfg.Logger = "zap"
	cfg.LogOutputs = []string{"stderr"}
	cfg.LogLevel = "error"
	if verbose {
		cfg.LogLevel = "info"
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(etcdLogger(verbose))

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, "", err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("etcd did not become ready within 60s")
	}
	return e, clientURL.String(), nil
}

// etcdStopping silences etcd's (error-level) complaints about its listeners
// closing while it shuts down.
var etcdStopping atomic.Bool

type quietOnStopCore struct{ zapcore.Core }

func (c quietOnStopCore) With(f []zapcore.Field) zapcore.Core { return quietOnStopCore{c.Core.With(f)} }
func (c quietOnStopCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if etcdStopping.Load() && ent.Level < zapcore.DPanicLevel {
		return ce
	}
	return c.Core.Check(ent, ce)
}

func etcdLogger(verbose bool) *zap.Logger {
	level := zapcore.ErrorLevel
	if verbose {
		level = zapcore.InfoLevel
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(os.Stderr), level)
	core = quietOnStopCore{core}
	if verbose {
		return zap.New(core, zap.AddCaller()).Named("etcd")
	}
	return zap.New(core).Named("etcd")
}

func stopEtcd(e *embed.Etcd) {
	if !verboseLogging {
		etcdStopping.Store(true)
	}
	done := make(chan struct{})
	go func() {
		e.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		logf("etcd did not stop within 10s")
	}
}
