package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/devcloud/devcloud-go/client"
)

// AcquireLogin answers, in one script: the stored session when it is newer
// than gen; the time left of a fleet-wide login cool-down; the login lease
// for owner for ttl (or WithMinLeaseTTL's, if longer), also when owner holds
// it already (so the client renews its lease while its login runs); or how
// long another owner holds it. A lease is never released by anyone but its
// owner: a dead owner's lease ends at its TTL.
//
// When Redis has lost the account's keys (flushed, restarted without
// persistence) and gen > 0, the lease that was lost with them is held for
// one TTL for the owner this Store granted it to, so that owner's renewal
// takes it back instead of another replica starting a second login. (A
// loss during the fleet's very first login, gen 0, cannot be told from a
// fresh Redis.)
//
// Asking for a session newer than gen also drops a cached generation gen or
// older, so the caller's next Load reads Redis.
func (s *Store) AcquireLogin(ctx context.Context, gen uint64, owner string, ttl time.Duration) (client.LeaseGrant, error) {
	const op = "acquire login"
	if s.err != nil {
		return client.LeaseGrant{}, s.err
	}
	if owner == "" {
		return client.LeaseGrant{}, &Error{Op: op, Err: ErrNoOwner}
	}
	s.subscribe()
	s.dropUpTo(gen)
	epoch := s.begin()
	ttl = max(ttl, s.cfg.minLease, time.Millisecond)
	res, err := acquireScript.Run(ctx, s.rdb,
		[]string{s.keys.session, s.keys.gen, s.keys.lease, s.keys.cooldown},
		formatGen(gen), owner, millis(ttl), s.holds(owner)).Slice()
	if err != nil {
		return client.LeaseGrant{}, &Error{Op: op, Err: err}
	}
	v, ok := pair(res)
	if !ok {
		return client.LeaseGrant{}, &Error{Op: op, Err: ErrMalformed}
	}
	switch v.n {
	case 1:
		sess, err := decode(v.form)
		if err != nil || sess.Generation <= gen {
			return client.LeaseGrant{}, &Error{Op: op, Err: ErrMalformed}
		}
		s.remember(sess, epoch)
		s.grant(owner, false, ttl)
		return client.LeaseGrant{Session: sess, Newer: true}, nil
	case 2:
		return client.LeaseGrant{Cooldown: v.ms()}, nil
	case 3:
		s.grant(owner, true, ttl)
		return client.LeaseGrant{Granted: true}, nil
	case 4:
		s.grant(owner, false, ttl)
		return client.LeaseGrant{HeldFor: v.ms()}, nil
	}
	return client.LeaseGrant{}, &Error{Op: op, Err: ErrMalformed}
}

// ReleaseLogin deletes the lease if owner still holds it, and with cooldown
// > 0 starts a fleet-wide login cool-down of that length (or keeps a longer
// one running), whoever holds the lease: the platform's 10004 and its
// Retry-After concern the account, not one replica.
func (s *Store) ReleaseLogin(ctx context.Context, owner string, cooldown time.Duration) error {
	const op = "release login"
	if s.err != nil {
		return s.err
	}
	if owner == "" {
		return &Error{Op: op, Err: ErrNoOwner}
	}
	s.ended(owner)
	err := releaseScript.Run(ctx, s.rdb, []string{s.keys.lease, s.keys.cooldown}, owner, millis(cooldown)).Err()
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	return nil
}

// dropUpTo forgets a cached session of generation gen or older.
func (s *Store) dropUpTo(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache.Generation <= gen {
		s.cached = false
	}
}

// reply is a script's {n, value} answer: value is a stored form or a number
// of milliseconds.
type reply struct {
	n    int64
	form string
	num  int64
}

func (r reply) ms() time.Duration { return time.Duration(max(r.num, 1)) * time.Millisecond }

// pair reads a two-element script reply.
func pair(res []any) (reply, bool) {
	if len(res) != 2 {
		return reply{}, false
	}
	n, ok := res[0].(int64)
	if !ok {
		return reply{}, false
	}
	switch v := res[1].(type) {
	case string:
		return reply{n: n, form: v}, true
	case int64:
		return reply{n: n, num: v}, true
	}
	return reply{}, false
}

func formatGen(g uint64) string { return strconv.FormatUint(g, 10) }
