package retry

import "time"

// Backoff is an exponential schedule: the n-th retry waits about
// Initial·Multiplier^(n-1), never more than Max, randomised by Jitter.
type Backoff struct {
	// Initial is the first interval.
	Initial time.Duration
	// Multiplier grows the interval after each retry.
	Multiplier float64
	// Max caps the interval, and the randomised delay too.
	Max time.Duration
	// Jitter is backoff/v4's RandomizationFactor: the delay is drawn
	// uniformly from [interval·(1−Jitter), interval·(1+Jitter)], that range
	// cut at Max. 1.0 is full jitter (at the cap: uniform in [0, Max], as
	// the AWS SDK's); 0 makes the schedule deterministic.
	Jitter float64
}

// DefaultBackoff is the schedule for transient failures: 100 ms, ×2, full
// jitter, capped at 5 s.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 100 * time.Millisecond, Multiplier: 2, Max: 5 * time.Second, Jitter: 1}
}

// ThrottleBackoff is the slower schedule for "slow down" answers (licences
// used up, HTTP 429): 1 s, ×2, full jitter, capped at 30 s.
func ThrottleBackoff() Backoff {
	return Backoff{Initial: time.Second, Multiplier: 2, Max: 30 * time.Second, Jitter: 1}
}

// LoginCooldownBackoff is the schedule that spaces logins after a failed one
// (10004 "too many logins", or any other login failure): 1 s, ×2, full jitter,
// capped at 1 min.
func LoginCooldownBackoff() Backoff {
	return Backoff{Initial: time.Second, Multiplier: 2, Max: time.Minute, Jitter: 1}
}
