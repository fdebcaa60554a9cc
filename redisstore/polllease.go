package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
)

// PollLease is a client.PollLease on Redis: of every replica that uses the
// same group name (one per NAT address: the platform holds one long poll
// per IP), one holds the lease and polls, the others wait as standbys. Give
// it to client.WithPollLease. It is safe for concurrent use.
//
// The lease is a key with a TTL (WithPollLeaseTTL, default 10 s) holding
// its holder's id: the holder renews it every third of the TTL, and stops
// polling on its own at nine tenths of it after the last renewal that
// Redis confirmed, so a holder cut off from Redis has stopped before
// another can start. Giving the lease up deletes the key (only its holder
// can) and publishes it, waking a standby at once; standbys also try every
// twentieth of the TTL, so one takes over within the TTL and a twentieth
// when the holder dies without giving it up (kill -9). While Redis cannot
// be reached nobody polls: the lease never lets two replicas poll at once.
type PollLease struct {
	rdb     redis.UniversalClient
	key     string
	channel string
	ttl     time.Duration
	err     error
}

var _ client.PollLease = (*PollLease)(nil)

// NewPollLease returns the poll lease of group on rdb. A nil rdb or an
// empty group give a PollLease whose Hold returns an *Error.
func NewPollLease(rdb redis.UniversalClient, group string, opts ...Option) *PollLease {
	cfg := newConfig(opts)
	base := cfg.prefix + "{" + group + "}:"
	l := &PollLease{rdb: rdb, key: base + "poll", channel: base + "poll:free", ttl: cfg.fleetDefaults().pollTTL}
	switch {
	case isNil(rdb):
		l.err = &Error{Op: "new poll lease", Err: ErrNoClient}
	case group == "":
		l.err = &Error{Op: "new poll lease", Err: ErrNoName}
	}
	return l
}

// Hold blocks until this caller holds the lease, or ctx ends (its error is
// returned). held ends when the lease is lost; release gives it up.
func (l *PollLease) Hold(ctx context.Context) (held context.Context, release func(), err error) {
	if l.err != nil {
		return nil, nil, l.err
	}
	owner := replicaID()
	var ps *redis.PubSub
	defer func() {
		if ps != nil {
			ps.Close()
		}
	}()
	for {
		start := time.Now()
		ok, err := l.rdb.SetNX(ctx, l.key, owner, l.ttl).Result()
		if err == nil && ok {
			return l.keep(ctx, owner, start)
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, nil, cerr
		}
		if ps == nil {
			ps = l.rdb.Subscribe(ctx, l.channel)
		}
		t := time.NewTimer(l.ttl / 20)
		select {
		case <-ps.Channel():
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// keep renews the lease owner took at start until it is given up or lost.
func (l *PollLease) keep(ctx context.Context, owner string, start time.Time) (context.Context, func(), error) {
	held, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		safe := start.Add(l.ttl * 9 / 10) // Redis keeps it at least until start + TTL
		for {
			t := time.NewTimer(min(l.ttl/3, time.Until(safe)))
			select {
			case <-held.Done():
				t.Stop()
				return
			case <-t.C:
			}
			now := time.Now()
			if !now.Before(safe) {
				return // not confirmed in time: another may take it over
			}
			rctx, rcancel := context.WithDeadline(held, safe)
			n, err := renewPoll.Run(rctx, l.rdb, []string{l.key}, owner, l.ttl.Milliseconds()).Int()
			rcancel()
			switch {
			case err == nil && n == 1:
				safe = now.Add(l.ttl * 9 / 10)
			case err == nil:
				return // another holds it
			}
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			cancel()
			<-done
			rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
			defer rcancel()
			_ = releasePoll.Run(rctx, l.rdb, []string{l.key}, owner, l.channel).Err()
		})
	}
	return held, release, nil
}

// renewPoll extends the lease KEYS[1] by ARGV[2] ms if ARGV[1] holds it.
var renewPoll = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// releasePoll deletes the lease KEYS[1] if ARGV[1] holds it, and tells the
// standbys on channel ARGV[2].
var releasePoll = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '1')
  return 1
end
return 0
`)
