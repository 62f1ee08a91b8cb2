package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

// stderrSink is a logr.LogSink that writes errors (always) and info messages
// (only when verbose) to stderr. klog and every contextual logger of the
// apiserver and the controllers end up here.
type stderrSink struct {
	verbosity int // -1: errors only
	name      string
	values    []any
}

var sinkMu sync.Mutex

func (s *stderrSink) Init(logr.RuntimeInfo)  {}
func (s *stderrSink) Enabled(level int) bool { return level <= s.verbosity }
func (s *stderrSink) Info(level int, msg string, kv ...any) {
	if level > s.verbosity {
		return
	}
	s.write("I", msg, nil, kv)
}
func (s *stderrSink) Error(err error, msg string, kv ...any) {
	if s.verbosity < 0 && isBenign(msg, err) {
		return
	}
	s.write("E", msg, err, kv)
}

// benignErrors are messages (or parts of error texts) logged at error level
// during normal operation of this control plane; they are shown only with
// --verbose.
var benignErrors = []string{
	// component-base metrics options, at start-up
	"The manifest file is empty, ignoring.",
	// apiserver identity lease written before kube-system exists
	"Failed to ensure lease exists, will retry",
	// apiserver post-start hooks racing the creation of kube-system
	`namespaces "kube-system" not found`,
	// --endpoint-reconciler-type=none on a fresh etcd
	"Found stale data, removed previous endpoints on kubernetes service",
	// replicaset/deployment controllers: informer not yet caught up with their
	// own writes; they retry (pkg/controller/util/consistency)
	"is not as new as written version",
}

func isBenign(msg string, err error) bool {
	for _, b := range benignErrors {
		if strings.Contains(msg, b) || (err != nil && strings.Contains(err.Error(), b)) {
			return true
		}
	}
	return false
}

var verboseLogging bool

func setupLogging(verbose bool) {
	verboseLogging = verbose
	v := -1
	if verbose {
		v = 2
	}
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	if verbose {
		_ = fs.Set("v", "2")
	}
	klog.SetLogger(logr.New(&stderrSink{verbosity: v}))
}

func (s *stderrSink) WithValues(kv ...any) logr.LogSink {
	c := *s
	c.values = append(append([]any{}, s.values...), kv...)
	return &c
}

func (s *stderrSink) WithName(name string) logr.LogSink {
	c := *s
	if c.name != "" {
		c.name += "/" + name
	} else {
		c.name = name
	}
	return &c
}

func (s *stderrSink) write(sev, msg string, err error, kv []any) {
	var b bytes.Buffer
	b.WriteString(sev)
	b.WriteString(time.Now().Format(" 15:04:05.000 "))
	if s.name != "" {
		b.WriteString(s.name)
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimRight(msg, "\n"))
	if err != nil {
		fmt.Fprintf(&b, " err=%q", err.Error())
	}
	all := append(append([]any{}, s.values...), kv...)
	for i := 0; i+1 < len(all); i += 2 {
		fmt.Fprintf(&b, " %v=%+v", all[i], all[i+1])
	}
	b.WriteByte('\n')
	sinkMu.Lock()
	os.Stderr.Write(b.Bytes())
	sinkMu.Unlock()
}
