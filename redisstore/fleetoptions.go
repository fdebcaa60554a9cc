package redisstore

import (
	"time"

	"golang.org/x/time/rate"
)

// Defaults of NewRateLimiter and NewPollLease.
const (
	// DefaultRedisTimeout bounds one round trip to Redis of a RateLimiter's
	// Wait: past it, the wait goes on the local share instead.
	DefaultRedisTimeout = 250 * time.Millisecond
	// DefaultFallbackFor is how long a RateLimiter keeps to its local share
	// after Redis failed it, before asking Redis again.
	DefaultFallbackFor = time.Second
	// DefaultPollLeaseTTL is how long a PollLease outlives its holder's
	// last renewal: a standby takes over within it when the holder dies.
	DefaultPollLeaseTTL = 10 * time.Second
)

// fleetConfig holds the options of NewRateLimiter and NewPollLease.
type fleetConfig struct {
	localLimit rate.Limit // 0: the quota shared by the replicas last seen
	redisWait  time.Duration
	pollTTL    time.Duration
}

// WithLocalLimit sets the rate a RateLimiter falls back to while Redis
// cannot be reached, instead of its share of the quota (the limit divided
// by the replicas it last saw). It must be positive: a fleet never goes
// unlimited.
func WithLocalLimit(l rate.Limit) Option {
	return func(c *config) {
		if l > 0 {
			c.fleet.localLimit = l
		}
	}
}

// WithRedisTimeout bounds each Redis round trip of a RateLimiter's Wait
// (default DefaultRedisTimeout).
func WithRedisTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.fleet.redisWait = d
		}
	}
}

// WithPollLeaseTTL sets how long a PollLease outlives its holder's last
// renewal (default DefaultPollLeaseTTL, at least 100 ms): the holder renews
// it every third of it, and a standby takes over within it plus a
// twentieth when the holder dies.
func WithPollLeaseTTL(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.fleet.pollTTL = max(d, 100*time.Millisecond)
		}
	}
}

func (c *config) fleetDefaults() fleetConfig {
	f := c.fleet
	if f.redisWait == 0 {
		f.redisWait = DefaultRedisTimeout
	}
	if f.pollTTL == 0 {
		f.pollTTL = DefaultPollLeaseTTL
	}
	return f
}
