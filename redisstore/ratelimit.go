package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/devcloud/devcloud-go/client"
)

// RateLimiter is a client.RateLimiter shared by every replica that uses the
// same name and Redis: the fleet together never sends the platform account
// more than its limit, with at most burst at once. Give it to
// client.WithRateLimit. It is safe for concurrent use.
//
// The quota is GCRA (the generic cell rate algorithm) on one Redis key, on
// Redis's clock, so the replicas' clocks do not matter. Each Wait is one
// round trip: a Lua script takes the request's turn — now, or the first
// free one ahead — unless that turn would come after the caller's
// deadline, and the replica sleeps until it. (go-redis/redis_rate's GCRA
// only says "not now, retry after", so a waiter would ask Redis again and
// again, every waiter of every replica racing for each free turn, and
// could not tell the deadline it will miss.) A turn whose caller gave up
// while it slept is not given back.
//
// When Redis cannot be reached (or does not answer within the Redis
// timeout), Wait paces the replica on its local share — the limit divided
// by the replicas that used the quota in the last ten seconds, or
// WithLocalLimit's — for DefaultFallbackFor before asking Redis again:
// never unlimited, never stalled on Redis.
type RateLimiter struct {
	rdb       redis.UniversalClient
	quota     string // the GCRA's key: its theoretical arrival time
	replicas  string // a sorted set of the replicas seen, by last use
	id        string
	limit     rate.Limit
	burst     int
	interval  float64 // µs between two turns
	cfg       fleetConfig
	err       error
	localFree bool // the local limit is WithLocalLimit's, not a share

	mu        sync.Mutex
	local     *rate.Limiter
	seen      int       // replicas seen at the last answer of Redis
	downUntil time.Time // keep to the local share until then
}

// replicaWindow is how long a replica counts as one of the quota's users
// after its last request.
const replicaWindow = 10 * time.Second

// ErrNoTurn is the cause when the fleet's quota has no turn for a request
// before its caller's deadline: the request was not sent, and no turn was
// taken.
var ErrNoTurn = errors.New("the fleet's quota has no turn before the deadline")

// ErrBadLimit is the cause when NewRateLimiter was given a limit that is
// not positive and finite, or a burst under 1.
var ErrBadLimit = errors.New("limit must be positive and finite, burst at least 1")

var _ client.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter returns the rate limiter of the quota called name on rdb:
// limit requests per second with bursts of burst, for the whole fleet. Every
// replica that shares the quota must use the same name, limit and burst. A
// nil rdb, an empty name, a limit that is not positive or a burst under 1
// give a RateLimiter whose Wait returns an *Error.
func NewRateLimiter(rdb redis.UniversalClient, name string, limit rate.Limit, burst int, opts ...Option) *RateLimiter {
	cfg := newConfig(opts)
	base := cfg.prefix + "{" + name + "}:"
	l := &RateLimiter{
		rdb: rdb, quota: base + "quota", replicas: base + "quota:replicas", id: replicaID(),
		limit: limit, burst: burst, cfg: cfg.fleetDefaults(), seen: 1,
	}
	switch {
	case isNil(rdb):
		l.err = &Error{Op: "new rate limiter", Err: ErrNoClient}
	case name == "":
		l.err = &Error{Op: "new rate limiter", Err: ErrNoName}
	case !(limit > 0) || limit == rate.Inf || math.IsInf(float64(limit), 0) || burst < 1:
		l.err = &Error{Op: "new rate limiter", Err: ErrBadLimit}
	default:
		l.interval = 1e6 / float64(limit)
		l.local = rate.NewLimiter(limit, burst)
		if l.cfg.localLimit > 0 {
			l.localFree = true
			l.local.SetLimit(l.cfg.localLimit)
		}
	}
	return l
}

// Wait blocks until the request's turn in the fleet's quota, or returns an
// error at once when that turn would come after ctx's deadline (cause
// ErrNoTurn), or when ctx ends while it waits.
func (l *RateLimiter) Wait(ctx context.Context) error {
	if l.err != nil {
		return l.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	l.mu.Lock()
	down := now.Before(l.downUntil)
	l.mu.Unlock()
	if down {
		return l.local.Wait(ctx)
	}
	maxWait := int64(-1)
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(dl.Sub(now).Microseconds(), 0)
	}
	rctx, cancel := context.WithTimeout(ctx, l.cfg.redisWait)
	v, err := reserveTurn.Run(rctx, l.rdb, []string{l.quota, l.replicas},
		strconv.FormatFloat(l.interval, 'f', 3, 64), l.burst, maxWait, l.id, replicaWindow.Milliseconds()).Int64Slice()
	cancel()
	if err != nil || len(v) != 3 {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		l.fallBack(now)
		return l.local.Wait(ctx)
	}
	l.saw(int(v[2]))
	wait := time.Duration(v[1]) * time.Microsecond
	if v[0] == 0 {
		return &Error{Op: "wait for the quota", Err: waitError{wait}}
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fallBack keeps the replica on its local share for a while: Redis failed.
func (l *RateLimiter) fallBack(now time.Time) {
	l.mu.Lock()
	l.downUntil = now.Add(DefaultFallbackFor)
	l.mu.Unlock()
}

// saw takes the number of replicas Redis counted, for the local share.
func (l *RateLimiter) saw(n int) {
	n = max(n, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == l.seen {
		return
	}
	l.seen = n
	if !l.localFree {
		l.local.SetLimit(l.limit / rate.Limit(n))
		l.local.SetBurst(max(l.burst/n, 1))
	}
}

// LocalLimit returns the rate the limiter falls back to while Redis cannot
// be reached.
func (l *RateLimiter) LocalLimit() rate.Limit {
	if l.local == nil {
		return 0
	}
	return l.local.Limit()
}

// waitError is ErrNoTurn with the wait the deadline could not afford.
type waitError struct{ wait time.Duration }

func (e waitError) Error() string {
	return ErrNoTurn.Error() + " (next turn in " + e.wait.Round(time.Millisecond).String() + ")"
}

func (e waitError) Unwrap() error { return ErrNoTurn }

// reserveTurn takes the next turn of the quota (GCRA) on Redis's clock,
// unless it is more than ARGV[3] µs away (-1: no bound), and counts the
// replica ARGV[4] among the quota's users of the last ARGV[5] ms. It
// returns {taken 1/0, µs until the turn, replicas seen}.
//
// KEYS[1]: the theoretical arrival time (µs since 2017, as Redis's TIME
// is too large for a double's precision otherwise); KEYS[2]: the replicas.
// ARGV[1]: µs between turns; ARGV[2]: burst.
var reserveTurn = redis.NewScript(`
redis.replicate_commands()
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1483228800) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxwait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local newtat = tat + interval
local wait = newtat - burst * interval - now
if wait < 0 then wait = 0 end
local nowms = math.floor(now / 1000)
local window = tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], nowms, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowms - window)
redis.call('PEXPIRE', KEYS[2], window)
local n = redis.call('ZCARD', KEYS[2])
if maxwait >= 0 and wait > maxwait then
  return {0, math.ceil(wait), n}
end
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000) + 1)
return {1, math.ceil(wait), n}
`)

// replicaID names this replica among the quota's users.
func replicaID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
