package client

import (
	"math"
	"time"
)

// cubic is the send rate of the adaptive throttle, AWS adaptive retry
// mode's (aws/retry/adaptive_ratelimit.go) with its constants: the rate is
// cut by β on a throttle answer and grows back as CUBIC's window does,
// C·(t−K)³ + Wmax, capped at twice the rate measured, never under the
// floor. Its state has one owner, the throttle's mutex (throttle.go); times
// are passed in, so the test vectors of the AWS SDK run here unchanged.
//
// Two departures, each for a failure of AWS's that our figures measured:
//
//   - The measured rate is a smoothed average over half-seconds past, so a
//     throttle answer in a client's first half-second (or the first after a
//     quiet spell) finds it 0 or near it, and AWS drops to the floor
//     (0.5 req/s), which fails every queued call. The rate measured is the
//     higher of that average and the answers of the current half-second
//     over the time since its first (at least minSample). The half-seconds
//     start at the client's own, not at the whole second before it as
//     AWS's first does, which counted a client made at .6 s as idle since .0.
//   - AWS cuts the rate again for every throttle answer, also for answers to
//     requests sent before the last cut, so a burst of answers in flight
//     drives it to the floor at once. As TCP does for losses, an answer to a
//     request let go before the last cut does not cut again (fresh, below).
type cubic struct {
	beta, scale, smooth, floor float64

	on         bool      // off until the first throttle answer
	fill       float64   // the send rate, requests per second
	calculated float64   // the rate the curve gives, before the caps
	lastMax    float64   // Wmax: the rate at the last throttle answer
	lastCut    time.Time // when the rate was last cut
	window     float64   // K, seconds
	measured   float64   // the smoothed rate of answers, per second
	bucket     float64   // the half-second being counted, in Unix seconds
	count      int64     // answers counted in it
	since      time.Time // the first answer counted in the current half-second
}

// minSample is the shortest time a rate is measured over: answers that all
// come back at one instant (an in-memory transport) give a rate, not ∞.
const minSample = 10 * time.Millisecond

func newCubic(now time.Time, beta, scale, smooth, floor float64) cubic {
	return cubic{
		beta: beta, scale: scale, smooth: smooth, floor: floor,
		bucket: math.Floor(unixSeconds(now)*2) / 2, lastCut: now, since: now,
	}
}

// update takes one answer into account: throttled or not, arriving at now,
// to a request let go at the current rate (fresh) or before its last cut.
// It reports whether it cut the rate.
func (r *cubic) update(throttled, fresh bool, now time.Time) (cut bool) {
	r.measure(now)
	measured := max(r.measured, float64(r.count)/max(now.Sub(r.since), minSample).Seconds())
	if throttled {
		if r.on && !fresh {
			return false // sent at a rate already cut
		}
		use := measured
		if r.on {
			use = min(measured, r.fill)
		}
		r.lastMax = use
		r.calculateWindow()
		r.lastCut = now
		r.calculated = use * r.beta
		r.on, cut = true, true
	} else {
		r.calculateWindow()
		r.calculated = r.success(now)
	}
	r.fill = max(min(r.calculated, 2*measured), r.floor)
	return cut
}

// success is the curve's rate at t.
func (r *cubic) success(t time.Time) float64 {
	dt := t.Sub(r.lastCut).Seconds()
	return r.scale*math.Pow(dt-r.window, 3) + r.lastMax
}

func (r *cubic) calculateWindow() {
	r.window = math.Pow(r.lastMax*(1-r.beta)/r.scale, 1./3.)
}

// measure counts an answer in half-second buckets and smooths the rate.
func (r *cubic) measure(now time.Time) {
	b := math.Floor(unixSeconds(now)*2) / 2
	r.count++
	if r.count == 1 {
		r.since = now
	}
	if b > r.bucket {
		rate := float64(r.count) / (b - r.bucket)
		r.measured = rate*r.smooth + r.measured*(1-r.smooth)
		r.count = 0
		r.bucket = b
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / float64(time.Second) }
