package main

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
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

// epoch is where the tests' fake clocks start.
var epoch = time.Unix(1_000_000, 0)

// wokenKeys drains what wake was called with so far (a fake clock's Step runs due timers before it returns).
func wokenKeys(woken chan string) []string {
	var keys []string
	for {
		select {
		case key := <-woken:
			keys = append(keys, key)
		default:
			return keys
		}
	}
}

func TestReadinessClockWaitsForTheAnnotatedDelayThenWakesTheSimulator(t *testing.T) {
	// Prepare
	woken := make(chan string, 4)
	fake := clocktesting.NewFakeClock(epoch)
	clock := newReadinessClock(0, func(key string) { woken <- key }, fake)
	p := pod("a", map[string]string{readyAfterAnnotation: "2"})

	// Act: seen at its start, and again by a second sync
	start, over := clock.startAndDelayOver(p, "ns/p-a")
	_, overAgain := clock.startAndDelayOver(p, "ns/p-a") // a second sync must not add a second timer
	_, timers := clock.pending()

	// Assess
	if !start.Equal(epoch) {
		t.Errorf("start = %v, want the clock's %v", start, epoch)
	}
	if over || overAgain {
		t.Fatal("delay reported over at once")
	}
	if timers != 1 || fake.Waiters() != 1 {
		t.Fatalf("timers = %d (clock waiters %d), want 1", timers, fake.Waiters())
	}

	// Act: a millisecond short of the delay
	fake.Step(2*time.Second - time.Millisecond)

	// Assess
	if keys := wokenKeys(woken); len(keys) != 0 {
		t.Fatalf("woken %v before the 2 s delay ended", keys)
	}
	if _, over := clock.startAndDelayOver(p, "ns/p-a"); over {
		t.Fatal("delay reported over 1 ms before its end")
	}

	// Act: the delay ends
	fake.Step(time.Millisecond)

	// Assess
	if keys := wokenKeys(woken); len(keys) != 1 || keys[0] != "ns/p-a" {
		t.Fatalf("woken %v at the delay's end, want [ns/p-a]", keys)
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
	fake := clocktesting.NewFakeClock(epoch)
	clock := newReadinessClock(0, func(key string) { woken <- key }, fake)
	p := pod("b", map[string]string{readyAfterAnnotation: "0.1"})
	clock.startAndDelayOver(p, "ns/p-b")

	// Act
	clock.forget(p.UID)
	fake.Step(time.Second) // well past the 0.1 s delay

	// Assess
	if pods, timers := clock.pending(); pods != 0 || timers != 0 {
		t.Fatalf("pending = %d pods, %d timers after forget; want 0, 0", pods, timers)
	}
	if fake.HasWaiters() {
		t.Error("the forgotten pod's timer is still on the clock")
	}
	if keys := wokenKeys(woken); len(keys) != 0 {
		t.Errorf("a forgotten pod woke the simulator: %v", keys)
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
			fake := clocktesting.NewFakeClock(epoch)
			clock := newReadinessClock(3*time.Second, func(string) {}, fake)
			p := pod("c", tc.annotations)
			clock.startAndDelayOver(p, "ns/p-c")
			fake.Step(tc.elapsed)

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
	fake := clocktesting.NewFakeClock(epoch)
	clock := newReadinessClock(0, func(string) {}, fake)
	p := pod("d", map[string]string{readyAfterAnnotation: "4"})
	started := metav1.NewTime(epoch.Add(-5 * time.Second))
	p.Status.StartTime = &started

	// Act
	start, over := clock.startAndDelayOver(p, "ns/p-d")

	// Assess
	if !start.Equal(started.Time) || !over {
		t.Errorf("start = %v over = %v; want %v true", start, over, started.Time)
	}
}

// readyCondition is the pod status's Ready condition (the zero value when it has none).
func readyCondition(st *corev1.PodStatus) corev1.PodCondition {
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady {
			return c
		}
	}
	return corev1.PodCondition{}
}

// The claim the sandbox's readiness tests rely on, on a fake clock: a pod annotated "2" is reported Running
// and not Ready at its start, still not Ready 1 ms before the delay ends, and Ready from then on, its own
// timestamps saying so (startTime, then the Ready condition's lastTransitionTime 2 s later).
func TestSimulatorReportsAPodReadyWhenItsDelayEndsOnTheClock(t *testing.T) {
	// Prepare
	fake := clocktesting.NewFakeClock(epoch)
	s := &simulator{
		clock:      fake,
		nodeLister: corelisters.NewNodeLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})),
	}
	var woken []string
	s.readiness = newReadinessClock(0, func(key string) { woken = append(woken, key) }, fake)
	p := pod("e", map[string]string{readyAfterAnnotation: "2"})
	p.Spec = corev1.PodSpec{NodeName: "eksflow-node-0", Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}}
	sync := func() *corev1.PodStatus {
		start, over := s.readiness.startAndDelayOver(p, "ns/p-e")
		st := s.desiredStatus(p, start, over)
		if st != nil {
			p.Status = *st
		}
		return st
	}

	// Act: the first sync, at the pod's start
	first := sync()

	// Assess: Running, not Ready
	if first == nil || first.Phase != corev1.PodRunning {
		t.Fatalf("first status = %+v, want Running", first)
	}
	if c := readyCondition(first); c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotReady" {
		t.Fatalf("Ready at start = %+v, want False (ContainersNotReady)", c)
	}
	if first.StartTime == nil || !first.StartTime.Time.Equal(epoch) {
		t.Errorf("startTime = %v, want %v", first.StartTime.Time, epoch)
	}

	// Act: 1 ms short of the delay
	fake.Step(2*time.Second - time.Millisecond)

	// Assess: nothing to change, nobody woken
	if st := sync(); st != nil || len(woken) != 0 {
		t.Fatalf("1 ms before the delay's end: status changed %v, woken %v; want neither", st != nil, woken)
	}

	// Act: the delay ends (the timer wakes the simulator, which syncs)
	fake.Step(time.Millisecond)
	ready := sync()

	// Assess
	if ready == nil {
		t.Fatal("no status change at the delay's end")
	}
	if len(woken) != 1 {
		t.Fatalf("woken %v at the delay's end, want once", woken)
	}
	c := readyCondition(ready)
	if c.Status != corev1.ConditionTrue || !ready.ContainerStatuses[0].Ready {
		t.Fatalf("Ready after the delay = %+v (container ready %v), want True", c, ready.ContainerStatuses[0].Ready)
	}
	if got := c.LastTransitionTime.Sub(ready.StartTime.Time); got != 2*time.Second {
		t.Errorf("Ready %v after the pod's start, want 2s", got)
	}
}
