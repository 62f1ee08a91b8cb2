package main

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// readyAfterAnnotation delays a simulated pod's readiness: the pod is Running
// at once and becomes Ready this many seconds (fractions allowed) after it
// started, like a container whose readiness probe passes only after warm-up.
const readyAfterAnnotation = "sandbox.eksflow.io/ready-after-seconds"

// maxReadyAfter bounds the delay: longer values are almost surely typos, and
// the bound keeps time.Duration arithmetic far from overflow.
const maxReadyAfter = 24 * time.Hour

// parseReadyAfter reads a delay in seconds ("2", "0.5"); negative, NaN,
// infinite and over-long values are errors.
func parseReadyAfter(value string) (time.Duration, error) {
	seconds, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number of seconds: %q", value)
	}
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds < 0 {
		return 0, fmt.Errorf("must be a finite number of seconds >= 0: %q", value)
	}
	d := time.Duration(seconds * float64(time.Second))
	if d > maxReadyAfter {
		return 0, fmt.Errorf("must be at most %v: %q", maxReadyAfter, value)
	}
	return d, nil
}

// readinessClock remembers, for each live pod, when it started (with full
// precision: the API keeps only whole seconds) and the one timer that wakes
// the simulator when its readiness delay ends. Entries go away when the pod
// is deleted, so pods deleted before becoming Ready leave no timer behind.
// Its clock is the real one in the binary; a test's fake one moves only when
// stepped, so the delay is tested without waiting it out.
type readinessClock struct {
	defaultDelay time.Duration
	wake         func(key string)
	clock        clock.WithDelayedExecution

	mu   sync.Mutex
	pods map[types.UID]*podTiming
}

type podTiming struct {
	start  time.Time
	timer  clock.Timer
	wakeAt time.Time
	// warned: an invalid annotation value is logged once per pod, not on every sync.
	warned string
}

func newReadinessClock(defaultDelay time.Duration, wake func(key string), clk clock.WithDelayedExecution) *readinessClock {
	return &readinessClock{defaultDelay: defaultDelay, wake: wake, clock: clk, pods: map[types.UID]*podTiming{}}
}

// timing returns the pod's entry, creating it on first sight. A pod that
// already has a startTime (e.g. after a restart of this process) keeps it.
func (c *readinessClock) timing(pod *corev1.Pod) *podTiming {
	t, ok := c.pods[pod.UID]
	if !ok {
		start := c.clock.Now()
		if pod.Status.StartTime != nil {
			start = pod.Status.StartTime.Time
		}
		t = &podTiming{start: start}
		c.pods[pod.UID] = t
	}
	return t
}

// delay is the pod's readiness delay: its annotation, else the default.
func (c *readinessClock) delay(pod *corev1.Pod, t *podTiming) time.Duration {
	value, ok := pod.Annotations[readyAfterAnnotation]
	if !ok {
		return c.defaultDelay
	}
	d, err := parseReadyAfter(value)
	if err != nil {
		if t.warned != value {
			t.warned = value
			klog.ErrorS(err, "ignoring invalid pod annotation; using the default readiness delay",
				"pod", klog.KObj(pod), "annotation", readyAfterAnnotation, "default", c.defaultDelay)
		}
		return c.defaultDelay
	}
	return d
}

// startAndDelayOver returns when the pod started and whether its readiness
// delay is over. If it is not, a timer (one per pod) calls wake(key) when it
// ends, so the simulator re-syncs the pod then.
func (c *readinessClock) startAndDelayOver(pod *corev1.Pod, key string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.timing(pod)
	readyAt := t.start.Add(c.delay(pod, t))
	now := c.clock.Now()
	if !now.Before(readyAt) {
		return t.start, true
	}
	if t.timer == nil || !t.wakeAt.Equal(readyAt) {
		if t.timer != nil {
			t.timer.Stop()
		}
		var timer clock.Timer
		timer = c.clock.AfterFunc(readyAt.Sub(now), func() {
			c.mu.Lock()
			if t.timer == timer { // not replaced or stopped since
				t.timer = nil
			}
			c.mu.Unlock()
			c.wake(key)
		})
		t.timer, t.wakeAt = timer, readyAt
	}
	return t.start, false
}

// forget drops a pod's entry and stops its timer (the pod is being deleted or is gone).
func (c *readinessClock) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.pods[uid]; ok {
		if t.timer != nil {
			t.timer.Stop()
		}
		delete(c.pods, uid)
	}
}

// pending counts the pods tracked and the timers not yet fired (for tests).
func (c *readinessClock) pending() (pods, timers int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.pods {
		if t.timer != nil {
			timers++
		}
	}
	return len(c.pods), timers
}
