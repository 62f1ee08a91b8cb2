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
func (s *stderrSink) Error(err error, msg string, kv ...any) { s.write("E", msg, err, kv) }
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

func setupLogging(verbose bool) {
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
