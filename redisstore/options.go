package redisstore

import "time"

// Defaults of New.
const (
	// DefaultKeyPrefix starts every key and channel name.
	DefaultKeyPrefix = "devcloud:"
	// DefaultCacheTTL is how long Load answers from memory before asking
	// Redis again; it is also the longest WithCacheTTL accepts.
	DefaultCacheTTL = time.Second
	// DefaultPollInterval is how often a waiter asks Redis for a new
	// generation in case a published one was lost; it is also the longest
	// WithPollInterval accepts.
	DefaultPollInterval = 100 * time.Millisecond
	// DefaultSessionGrace is how long a session outlives its ExpiresAt in
	// Redis before the key expires.
	DefaultSessionGrace = time.Minute
)

// Option configures a Store in New.
type Option func(*config)

type config struct {
	prefix   string
	cacheTTL time.Duration
	poll     time.Duration
	minLease time.Duration
	grace    time.Duration
	fleet    fleetConfig // NewRateLimiter's and NewPollLease's (fleetoptions.go)
}

func newConfig(opts []Option) config {
	c := config{
		prefix:   DefaultKeyPrefix,
		cacheTTL: DefaultCacheTTL,
		poll:     DefaultPollInterval,
		grace:    DefaultSessionGrace,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithKeyPrefix starts every key and the channel with prefix instead of
// DefaultKeyPrefix, for a Redis shared with other applications.
func WithKeyPrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithCacheTTL sets how long Load answers from memory (default and at most
// DefaultCacheTTL); 0 or less turns the cache off, so every Load asks Redis.
func WithCacheTTL(d time.Duration) Option {
	return func(c *config) { c.cacheTTL = min(max(d, 0), DefaultCacheTTL) }
}

// WithPollInterval sets how often AwaitSession asks Redis when no message
// arrives (default and at most DefaultPollInterval).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.poll = min(d, DefaultPollInterval)
		}
	}
}

// WithMinLeaseTTL makes every login lease last at least d, whatever TTL the
// client asks for. The client asks for a 2 s lease and renews it while its
// login runs, so a holder that dies is taken over within 2 s; a longer
// minimum delays that takeover to d.
func WithMinLeaseTTL(d time.Duration) Option {
	return func(c *config) { c.minLease = max(d, 0) }
}

// WithSessionGrace sets how long a stored session outlives its ExpiresAt
// before its key expires (default DefaultSessionGrace). A session without
// ExpiresAt never expires.
func WithSessionGrace(d time.Duration) Option {
	return func(c *config) { c.grace = max(d, 0) }
}
