package main

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestParseReadyAfter(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"0", 0, true},
		{"2", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"86400", 24 * time.Hour, true},
		{"86401", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"2s", 0, false},
		{"", 0, false},
	} {
		got, err := parseReadyAfter(tc.value)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseReadyAfter(%q) = %v, %v; want %v, ok=%v", tc.value, got, err, tc.want, tc.ok)
		}
	}
}

func pod(uid string, annotations map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "p-" + uid, Namespace: "ns", UID: types.UID(uid), Annotations: annotations,
	}}
}

// fakeNow is a settable clock for the readiness decisions (timers still use real time).
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func TestReadinessClockWaitsForTheAnnotatedDelayThenWakesTheSimulator(t *testing.T) {
	// Prepare
	woken := make(chan string, 4)
	clock := newReadinessClock(0, func(key string) { woken <- key })
	p := pod("a", map[string]string{readyAfterAnnotation: "0.2"})

	// Act
	start, over := clock.startAndDelayOver(p, "ns/p-a")
	_, overAgain := clock.startAndDelayOver(p, "ns/p-a") // a second sync must not add a second timer
	_, timers := clock.pending()

	// Assess
	if over || overAgain {
		t.Fatal("delay reported over at once")
	}
	if timers != 1 {
		t.Fatalf("timers = %d, want 1", timers)
	}
	select {
	case key := <-woken:
		if key != "ns/p-a" {
			t.Errorf("woke %q", key)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("never woken")
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Errorf("woken %v after start, before the 0.2 s delay", time.Since(start))
	}
	if _, over := clock.startAndDelayOver(p, "ns/p-a"); !over {
		t.Error("delay not over after the wake-up")
	}
	if pods, timers := clock.pending(); pods != 1 || timers != 0 {
		t.Errorf("pending = %d pods, %d timers; want 1, 0", pods, timers)
	}
}

func TestReadinessClockForgetsADeletedPodAndItsTimer(t *testing.T) {
	// Prepare
	woken := make(chan string, 1)
	clock := newReadinessClock(0, func(key string) { woken <- key })
	p := pod("b", map[string]string{readyAfterAnnotation: "0.1"})
	clock.startAndDelayOver(p, "ns/p-b")

	// Act
	clock.forget(p.UID)

	// Assess
	if pods, timers := clock.pending(); pods != 0 || timers != 0 {
		t.Fatalf("pending = %d pods, %d timers after forget; want 0, 0", pods, timers)
	}
	select {
	case key := <-woken:
		t.Errorf("a forgotten pod woke the simulator: %q", key)
	case <-time.After(500 * time.Millisecond): // well past the 0.1 s delay
	}
}

func TestReadinessClockUsesTheDefaultForMissingOrInvalidAnnotations(t *testing.T) {
	for _, tc := range []struct {
		what        string
		annotations map[string]string
		elapsed     time.Duration
		over        bool
	}{
		{"no annotation, before the default", nil, 2 * time.Second, false},
		{"no annotation, after the default", nil, 3 * time.Second, true},
		{"invalid annotation falls back to the default", map[string]string{readyAfterAnnotation: "soon"}, 2 * time.Second, false},
		{"annotation overrides the default", map[string]string{readyAfterAnnotation: "1"}, 2 * time.Second, true},
		{"annotation 0 is ready at once", map[string]string{readyAfterAnnotation: "0"}, 0, true},
	} {
		t.Run(tc.what, func(t *testing.T) {
			// Prepare
			now := &fakeNow{t: time.Unix(1_000_000, 0)}
			clock := newReadinessClock(3*time.Second, func(string) {})
			clock.now = now.now
			p := pod("c", tc.annotations)
			clock.startAndDelayOver(p, "ns/p-c")
			now.t = now.t.Add(tc.elapsed)

			// Act
			_, over := clock.startAndDelayOver(p, "ns/p-c")
			clock.forget(p.UID)

			// Assess
			if over != tc.over {
				t.Errorf("delay over = %v, want %v", over, tc.over)
			}
		})
	}
}

func TestReadinessClockCountsFromAnExistingStartTime(t *testing.T) {
	// Prepare: a pod started 5 s ago (e.g. seen again after a restart of this process).
	now := &fakeNow{t: time.Unix(2_000_000, 0)}
	clock := newReadinessClock(0, func(string) {})
	clock.now = now.now
	p := pod("d", map[string]string{readyAfterAnnotation: "4"})
	started := metav1.NewTime(now.t.Add(-5 * time.Second))
	p.Status.StartTime = &started

	// Act
	start, over := clock.startAndDelayOver(p, "ns/p-d")

	// Assess
	if !start.Equal(started.Time) || !over {
		t.Errorf("start = %v over = %v; want %v true", start, over, started.Time)
	}
}
