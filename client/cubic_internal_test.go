package client

import (
	"testing"
	"time"
)

// The vectors of aws-sdk-go-v2's aws/retry/adaptive_ratelimit_test.go,
// ported as they are: the curve, and the measured rate and send rate after
// each answer of a sequence, at AWS's constants.

func TestCubicFollowsAWSCurve(t *testing.T) {
	type step struct {
		throttled bool
		at        time.Time
		want      float64
	}
	cases := map[string][]step{
		"success": {
			{false, time.Unix(5, 0), 7.},
			{false, time.Unix(6, 0), 9.64893600966},
			{false, time.Unix(7, 0), 10.000030849917364},
			{false, time.Unix(8, 0), 10.453284520772092},
			{false, time.Unix(9, 0), 13.408697022224185},
			{false, time.Unix(10, 0), 21.26626835427364},
			{false, time.Unix(11, 0), 36.425998516920465},
		},
		"mixed": {
			{false, time.Unix(5, 0), 7.},
			{false, time.Unix(6, 0), 9.64893600966},
			{true, time.Unix(7, 0), 6.754255206761999},
			{true, time.Unix(8, 0), 4.727978644733399},
			{false, time.Unix(9, 0), 4.670125557970046},
			{false, time.Unix(10, 0), 4.770870456867401},
			{false, time.Unix(11, 0), 6.011819748005445},
			{false, time.Unix(12, 0), 10.792973431384178},
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			r := newCubic(time.Unix(0, 0), DefaultThrottleBeta, DefaultThrottleScale, throttleSmoothing, DefaultThrottleMinRate)
			r.lastMax, r.lastCut = 10, time.Unix(5, 0)
			var rate float64
			for _, s := range steps {
				r.calculateWindow()
				if s.throttled {
					rate *= r.beta
					r.lastCut, r.lastMax = s.at, rate
				} else {
					rate = r.success(s.at)
				}
				if !floatEqual(rate, s.want) {
					t.Errorf("at %v: rate %v, want %v", s.at.Unix(), rate, s.want)
				}
			}
		})
	}
}

func TestCubicUpdateFollowsAWS(t *testing.T) {
	steps := []struct {
		throttled          bool
		ms                 int64
		measured, sendRate float64
	}{
		{false, 200, 0, 0.5},
		{false, 400, 0, 0.5},
		{false, 600, 4.8, 0.5},
		{false, 800, 4.8, 0.5},
		{false, 1000, 4.16, 0.5},
		{false, 1200, 4.16, 0.6912},
		{false, 1400, 4.16, 1.0976},
		{false, 1600, 5.632, 1.6384},
		{false, 1800, 5.632, 2.3328},
		{true, 2000, 4.3264, 3.02848},
		{false, 2200, 4.3264, 3.4866391734702598},
		{false, 2400, 4.3264, 3.8218744160402554},
		{false, 2600, 5.665280, 4.053385727709987},
		{false, 2800, 5.665280, 4.200373108479455},
		{false, 3000, 4.333056, 4.282036558348658},
		{true, 3200, 4.333056, 2.99742559084406},
		{false, 3400, 4.333056, 3.4522263943863463},
	}
	r := newCubic(time.Unix(0, 0), DefaultThrottleBeta, DefaultThrottleScale, throttleSmoothing, DefaultThrottleMinRate)
	for _, s := range steps {
		at := time.UnixMilli(s.ms)
		r.update(s.throttled, true, at)
		if !floatEqual(r.measured, s.measured) || !floatEqual(r.fill, s.sendRate) {
			t.Errorf("at %d ms: measured %v, send rate %v; want %v, %v", s.ms, r.measured, r.fill, s.measured, s.sendRate)
		}
	}
}

// TestCubicDepartures: the two places where the rate departs from AWS's.
func TestCubicDepartures(t *testing.T) {
	t0 := time.Unix(100, 0)
	r := newCubic(t0, DefaultThrottleBeta, DefaultThrottleScale, throttleSmoothing, DefaultThrottleMinRate)
	// 99 answers in the first 100 ms, then a throttle answer: 100 answers
	// in the 99 ms from the first, so the rate is cut to 0.7 × 1010, not to
	// the floor.
	for i := range 99 {
		at := t0.Add(time.Duration(i+1) * time.Millisecond)
		r.update(false, true, at)
	}
	cut := t0.Add(100 * time.Millisecond)
	r.update(true, true, cut)
	first := 100 / 0.099 * 0.7
	if !floatEqual(r.fill, first) {
		t.Fatalf("send rate after the first throttle answer %v, want %v", r.fill, first)
	}
	// Answers to requests let go before that cut do not cut again.
	for i := range 5 {
		r.update(true, false, cut.Add(time.Duration(i+1)*time.Microsecond))
	}
	if !floatEqual(r.fill, first) {
		t.Errorf("send rate after 5 throttle answers sent before the cut %v, want %v", r.fill, first)
	}
	// One let go after it does: × 0.7 again.
	r.update(true, true, cut.Add(time.Millisecond))
	if !floatEqual(r.fill, first*0.7) {
		t.Errorf("send rate after a throttle answer sent after the cut %v, want %v", r.fill, first*0.7)
	}

	// A client quiet for 10 s, then 100 answers in 100 ms: the first
	// closes the quiet half-seconds (the average says 0.08 req/s), the
	// other 99, in the 99 ms from the first of them to the throttle
	// answer, say 1000, cut to 700.
	r = newCubic(t0, DefaultThrottleBeta, DefaultThrottleScale, throttleSmoothing, DefaultThrottleMinRate)
	burst := t0.Add(10 * time.Second)
	for i := range 99 {
		r.update(false, true, burst.Add(time.Duration(i)*time.Millisecond))
	}
	r.update(true, true, burst.Add(100*time.Millisecond))
	if want := 700.; !floatEqual(r.fill, want) {
		t.Errorf("send rate after a throttle answer that ends a quiet spell %v, want %v", r.fill, want)
	}
}

const epsilon = 1e-12

func floatEqual(a, b float64) bool { return a-b < epsilon && b-a < epsilon }
