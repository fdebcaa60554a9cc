package retrying_test

import (
	"math"
	mathrand "math/rand"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

const ms = time.Millisecond

// constRand returns a jitter source that always yields v.
func constRand(v float64) func() float64 { return func() float64 { return v } }

// draws returns the first n delays of b's schedule.
func draws(b retry.Backoff, rnd func() float64, n int) []time.Duration {
	s := retrying.NewSchedule(b, rnd)
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = s.Next()
	}
	return out
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDefaultBackoffIs100msDoubledFullJitterCappedAt5s(t *testing.T) {
	want := retry.Backoff{Initial: 100 * ms, Multiplier: 2, Max: 5 * time.Second, Jitter: 1}
	if got := retry.DefaultBackoff(); got != want {
		t.Fatalf("DefaultBackoff() = %+v, want %+v", got, want)
	}
}

func TestScheduleWithoutJitterDoublesUpToMax(t *testing.T) {
	b := retry.DefaultBackoff()
	b.Jitter = 0
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5 * time.Second, 5 * time.Second}
	// The randomness must not be consulted at all when Jitter is 0.
	got := draws(b, func() float64 { t.Fatal("rnd called with Jitter 0"); return 0 }, len(want))
	if !equalDurations(got, want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
}

func TestScheduleAppliesJitterFromInjectedRandomness(t *testing.T) {
	justUnderOne := math.Nextafter(1, 0)
	half := retry.DefaultBackoff()
	half.Jitter = 0.5
	over := retry.DefaultBackoff()
	over.Jitter = 2
	tests := []struct {
		name string
		b    retry.Backoff
		rnd  float64
		want []time.Duration
	}{
		{"full jitter, rnd 0: every delay is 0", retry.DefaultBackoff(), 0,
			[]time.Duration{0, 0, 0, 0, 0, 0, 0, 0}},
		{"full jitter, rnd 0.5: the interval itself, then the middle of [0, Max]", retry.DefaultBackoff(), 0.5,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2500 * ms, 2500 * ms, 2500 * ms}},
		{"full jitter, rnd 0.999: just under twice the interval, then just under Max", retry.DefaultBackoff(), 0.999,
			[]time.Duration{199800 * time.Microsecond, 399600 * time.Microsecond, 799200 * time.Microsecond,
				1598400 * time.Microsecond, 3196800 * time.Microsecond, 4995 * ms, 4995 * ms, 4995 * ms}},
		{"full jitter, largest rnd: twice the interval, then just under Max, never above", retry.DefaultBackoff(), justUnderOne,
			[]time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5*time.Second - 1, 5*time.Second - 1, 5*time.Second - 1}},
		{"jitter 0.5, rnd 0: half the interval", half, 0,
			[]time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2500 * ms, 2500 * ms}},
		{"jitter 0.5, rnd 0.5: the interval itself, then the middle of [Max/2, Max]", half, 0.5,
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 3750 * ms, 3750 * ms}},
		{"jitter above 1, rnd 0: negative low end clamped to 0", over, 0,
			[]time.Duration{0, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := draws(tt.b, constRand(tt.rnd), len(tt.want))
			if !equalDurations(got, tt.want) {
				t.Fatalf("delays = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSlowerSchedulesForThrottleAndLoginCooldown(t *testing.T) {
	tests := []struct {
		name        string
		b           retry.Backoff
		want        retry.Backoff
		noJitter    []time.Duration
		halfDelays  []time.Duration // rnd 0.5
		maxedDelays []time.Duration // largest rnd
	}{
		{
			name: "ThrottleBackoff",
			b:    retry.ThrottleBackoff(),
			want: retry.Backoff{Initial: time.Second, Multiplier: 2, Max: 30 * time.Second, Jitter: 1},
			noJitter: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
				16 * time.Second, 30 * time.Second, 30 * time.Second},
			// From 16 s on, the range [0, 2·interval] is cut at 30 s.
			halfDelays: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
				15 * time.Second, 15 * time.Second, 15 * time.Second},
			maxedDelays: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
				30*time.Second - 1, 30*time.Second - 1, 30*time.Second - 1},
		},
		{
			name: "LoginCooldownBackoff",
			b:    retry.LoginCooldownBackoff(),
			want: retry.Backoff{Initial: time.Second, Multiplier: 2, Max: time.Minute, Jitter: 1},
			noJitter: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
				16 * time.Second, 32 * time.Second, time.Minute, time.Minute},
			// From 32 s on, the range [0, 2·interval] is cut at 1 min.
			halfDelays: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
				16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second},
			maxedDelays: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
				32 * time.Second, time.Minute - 1, time.Minute - 1, time.Minute - 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.b != tt.want {
				t.Fatalf("%s() = %+v, want %+v", tt.name, tt.b, tt.want)
			}
			flat := tt.b
			flat.Jitter = 0
			if got := draws(flat, nil, len(tt.noJitter)); !equalDurations(got, tt.noJitter) {
				t.Errorf("Jitter 0: delays = %v, want %v", got, tt.noJitter)
			}
			if got := draws(tt.b, constRand(0.5), len(tt.halfDelays)); !equalDurations(got, tt.halfDelays) {
				t.Errorf("rnd 0.5: delays = %v, want %v", got, tt.halfDelays)
			}
			if got := draws(tt.b, constRand(math.Nextafter(1, 0)), len(tt.maxedDelays)); !equalDurations(got, tt.maxedDelays) {
				t.Errorf("largest rnd: delays = %v, want %v", got, tt.maxedDelays)
			}
		})
	}
}

func TestScheduleTreatsMultiplierBelowOneAsOne(t *testing.T) {
	for _, m := range []float64{0.5, 0, -3} {
		b := retry.Backoff{Initial: 100 * ms, Multiplier: m, Max: 5 * time.Second}
		want := []time.Duration{100 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms}
		if got := draws(b, nil, len(want)); !equalDurations(got, want) {
			t.Errorf("Multiplier %v: delays = %v, want %v", m, got, want)
		}
	}
}

func TestScheduleHonoursOtherMultipliers(t *testing.T) {
	b := retry.Backoff{Initial: 100 * ms, Multiplier: 1.5, Max: time.Second}
	want := []time.Duration{100 * ms, 150 * ms, 225 * ms, 337500 * time.Microsecond, 506250 * time.Microsecond,
		759375 * time.Microsecond, time.Second, time.Second}
	if got := draws(b, nil, len(want)); !equalDurations(got, want) {
		t.Fatalf("delays = %v, want %v", got, want)
	}
}

func TestSchedulesOfOneBackoffAreIndependent(t *testing.T) {
	b := retry.DefaultBackoff()
	b.Jitter = 0
	s1, s2 := retrying.NewSchedule(b, nil), retrying.NewSchedule(b, nil)
	s1.Next()
	s1.Next()
	if got := s2.Next(); got != 100*ms {
		t.Fatalf("second schedule's first delay = %v, want 100ms", got)
	}
	if got := s1.Next(); got != 400*ms {
		t.Fatalf("first schedule's third delay = %v, want 400ms", got)
	}
}

func TestScheduleWithRealRandomnessStaysWithinZeroAndMax(t *testing.T) {
	const n = 10000
	sources := []struct {
		name string
		rnd  func() float64
	}{
		{"nil (math/rand/v2)", nil},
		{"seeded math/rand", mathrand.New(mathrand.NewSource(1)).Float64},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			b := retry.DefaultBackoff()
			s := retrying.NewSchedule(b, src.rnd)
			interval := b.Initial
			var atMax int
			for i := range n {
				d := s.Next()
				// Full jitter draws from [0, 2·interval] cut at Max.
				if hi := min(2*interval, b.Max); d < 0 || d > hi {
					t.Fatalf("draw %d = %v, want within [0, %v]", i, d, hi)
				}
				if d == b.Max {
					atMax++
				}
				interval = min(2*interval, b.Max)
			}
			// The range is cut at Max before the draw, so no pile of
			// delays sits exactly on Max.
			if atMax > n/100 {
				t.Errorf("%d of %d draws equal Max, want almost none", atMax, n)
			}
		})
	}
}
