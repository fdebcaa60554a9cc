package redisstore

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/devcloud/devcloud-go/client"
)

// Store is a client.SessionStore and client.LoginLease on Redis, shared by
// every replica that uses the same account name. Make one per process and
// Redis client; it is safe for concurrent use. Close it when done.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	cfg  config
	err  error // an unusable argument of New, returned by every method

	flight singleflight.Group
	sub    subscription

	mu sync.Mutex
	// cache is what Load answers without Redis until cachedAt+cacheTTL.
	cache    client.Session
	cached   bool
	cachedAt time.Time
	// known is the newest session seen in Redis: Load's answer while Redis
	// cannot be reached, and what Load writes back when Redis lost it.
	known client.Session
	// epoch counts the sessions remembered, so a read that started before
	// a newer session was remembered does not take the cache back.
	epoch uint64
	// held names the owners this Store granted the lease to, until they
	// commit, release or hear that another owner took it over: the owners
	// that may take back a lease Redis lost (lostLease).
	held map[string]bool
	// leaseTTL is the longest lease asked for, how long a lost lease is
	// held; defaultLeaseTTL until one is asked for.
	leaseTTL time.Duration
}

// defaultLeaseTTL is how long a lease lost with Redis's data is held when
// the Store has not been asked for a lease yet: the client's lease TTL.
const defaultLeaseTTL = 2 * time.Second

var (
	_ client.SessionStore = (*Store)(nil)
	_ client.LoginLease   = (*Store)(nil)
)

// New returns the Store of the account called name on rdb (a *redis.Client,
// *redis.ClusterClient or a failover client). Every replica of an
// application that logs in to the same platform account must use the same
// name and Redis. A nil rdb or an empty name gives a Store whose every
// method returns an *Error.
func New(rdb redis.UniversalClient, name string, opts ...Option) *Store {
	s := &Store{rdb: rdb, cfg: newConfig(opts), held: map[string]bool{}, leaseTTL: defaultLeaseTTL}
	s.keys = newKeys(s.cfg.prefix, name)
	s.sub.init()
	switch {
	case isNil(rdb):
		s.err = &Error{Op: "new", Err: ErrNoClient}
	case name == "":
		s.err = &Error{Op: "new", Err: ErrNoName}
	}
	return s
}

// isNil reports whether rdb is nil, or a nil pointer such as a
// (*redis.Client)(nil) in the interface.
func isNil(rdb redis.UniversalClient) bool {
	if rdb == nil {
		return true
	}
	v := reflect.ValueOf(rdb)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Close stops the Store's subscription. It does not close the Redis client.
// The Store keeps working afterwards, waking waiters by polling only.
func (s *Store) Close() error {
	s.sub.close()
	return nil
}

// Load returns the current session: from memory when Redis was asked less
// than the cache TTL ago and no newer generation was published since, else
// from Redis. A cached session that has only aged is returned at once while
// one background read refreshes it, so calls never wait for Redis while the
// session is valid. When Redis cannot be reached, Load returns the last
// session it saw while that has not expired; after that, an *Error.
func (s *Store) Load(ctx context.Context) (client.Session, bool, error) {
	if s.err != nil {
		return client.Session{}, false, s.err
	}
	s.subscribe()
	sess, fresh, stale := s.fromCache()
	if fresh {
		return sess, true, nil
	}
	// Callers arriving together share one round trip. It is not bound to
	// the first caller's context, so that one leaving does not fail the
	// rest; go-redis's own timeouts bound it.
	ch := s.flight.DoChan("load", func() (any, error) {
		// A read that ended between this caller's look at the cache
		// and here has refreshed it already.
		if sess, fresh, _ := s.fromCache(); fresh {
			return sess, nil
		}
		return s.fetch(context.WithoutCancel(ctx))
	})
	if stale {
		return sess, true, nil
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return client.Session{}, false, res.Err
		}
		sess := res.Val.(client.Session)
		return sess, sess.Generation != 0, nil
	case <-ctx.Done():
		return client.Session{}, false, ctx.Err()
	}
}

// fetch reads the session from Redis, writing back the last known one if
// Redis lost the account's keys.
func (s *Store) fetch(ctx context.Context) (client.Session, error) {
	s.mu.Lock()
	known, epoch := s.known, s.epoch
	s.mu.Unlock()
	gen, form, ttl := "0", "", "0"
	if known.Generation != 0 {
		gen = formatGen(known.Generation)
		if s.valid(known) {
			form, ttl = formatGen(known.Generation)+"\n"+encode(known), s.sessionTTL(known)
		}
	}
	v, err := loadScript.Run(ctx, s.rdb, []string{s.keys.session, s.keys.gen, s.keys.lease}, gen, form, ttl, millis(s.lostHold())).Text()
	if err != nil && !errors.Is(err, redis.Nil) {
		if s.valid(known) {
			// Answer from memory for another cache TTL before trying
			// Redis again.
			s.mu.Lock()
			s.cache, s.cached, s.cachedAt = known, true, time.Now()
			s.mu.Unlock()
			return known, nil
		}
		return client.Session{}, &Error{Op: "load", Err: err}
	}
	if v == "" {
		s.mu.Lock()
		s.cached = false
		s.mu.Unlock()
		return client.Session{}, nil
	}
	sess, err := decode(v)
	if err != nil {
		return client.Session{}, &Error{Op: "load", Err: err}
	}
	s.remember(sess, epoch)
	return sess, nil
}

// Replace stores next as the account's session with the next generation
// unless a session newer than prev is stored, and returns the stored
// session: next with its Generation set, or the newer one. Storing clears
// the login lease and the cool-down and wakes every replica's AwaitSession.
// The generation is max(stored, prev)+1, so a Redis that lost its data
// never takes the fleet's generation backwards. Replace is not fenced by
// the lease: the client stores its logins' sessions with CommitLogin.
func (s *Store) Replace(ctx context.Context, prev uint64, next client.Session) (client.Session, error) {
	return s.write(ctx, "replace", replaceScript, prev, next)
}

// CommitLogin is Replace fenced by the login lease, in one script: while
// an owner other than owner holds the lease it stores nothing, leaves that
// owner's lease alone and returns an *Error matching client.ErrLeaseLost.
// owner's own lease, or none (it lapsed, or Redis lost it), lets it store;
// so does a lease Redis lost and holds for its holder, when this Store
// granted owner the lease.
func (s *Store) CommitLogin(ctx context.Context, owner string, prev uint64, next client.Session) (client.Session, error) {
	if owner == "" && s.err == nil {
		return client.Session{}, &Error{Op: "commit login", Err: ErrNoOwner}
	}
	return s.write(ctx, "commit login", commitScript, prev, next, owner, s.ended(owner))
}

// write runs replaceScript or commitScript (whose ARGV go on with fence).
func (s *Store) write(ctx context.Context, op string, script *redis.Script, prev uint64, next client.Session, fence ...any) (client.Session, error) {
	if s.err != nil {
		return client.Session{}, s.err
	}
	s.subscribe()
	epoch := s.begin()
	res, err := script.Run(ctx, s.rdb,
		[]string{s.keys.session, s.keys.gen, s.keys.lease, s.keys.cooldown},
		append([]any{formatGen(prev), encode(next), s.sessionTTL(next), s.keys.channel}, fence...)...).Slice()
	if err != nil {
		return client.Session{}, &Error{Op: op, Err: err}
	}
	v, ok := pair(res)
	if !ok {
		return client.Session{}, &Error{Op: op, Err: ErrMalformed}
	}
	if v.n == 2 {
		return client.Session{}, &Error{Op: op, Err: client.ErrLeaseLost}
	}
	sess, err := decode(v.form)
	if err != nil {
		return client.Session{}, &Error{Op: op, Err: err}
	}
	s.remember(sess, epoch)
	if v.n == 1 {
		s.sub.announce(sess.Generation)
	}
	return sess, nil
}

// fromCache returns the cached session; fresh while younger than the cache
// TTL, stale when older but still valid.
func (s *Store) fromCache() (sess client.Session, fresh, stale bool) {
	if s.cfg.cacheTTL <= 0 {
		return client.Session{}, false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cached {
		return client.Session{}, false, false
	}
	if time.Since(s.cachedAt) < s.cfg.cacheTTL {
		return s.cache, true, false
	}
	return s.cache, false, s.valid(s.cache)
}

// remember caches sess, read from Redis now, and keeps it as the last known
// session. Redis is the authority, so an older generation replaces a newer
// one (Redis lost its data and someone logged in since) — unless it comes
// from a read that started before the newer one was remembered (epoch).
// The caller takes epoch from begin before asking Redis.
func (s *Store) remember(sess client.Session, epoch uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.Generation < s.known.Generation && epoch != s.epoch {
		return
	}
	s.epoch++
	s.known = sess
	s.cache, s.cached, s.cachedAt = sess, true, time.Now()
}

// begin returns the epoch to pass to remember after a round trip.
func (s *Store) begin() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch
}

// drop forgets the cached session unless it is generation gen, so the next
// Load asks Redis.
func (s *Store) drop(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache.Generation != gen {
		s.cached = false
	}
}

// valid reports whether sess may still be sent: it exists and has not
// expired.
func (s *Store) valid(sess client.Session) bool {
	return sess.Generation != 0 && (sess.ExpiresAt.IsZero() || time.Now().Before(sess.ExpiresAt))
}

// sessionTTL is how long sess is kept in Redis: until its expiry and the
// grace after it; "0" for a session that does not expire.
func (s *Store) sessionTTL(sess client.Session) string {
	if sess.ExpiresAt.IsZero() {
		return "0"
	}
	return millis(max(time.Until(sess.ExpiresAt)+s.cfg.grace, time.Millisecond))
}

// grant records whether owner holds the lease this Store granted it, and
// the lease's TTL.
func (s *Store) grant(owner string, holds bool, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leaseTTL = max(s.leaseTTL, ttl)
	if holds {
		s.held[owner] = true
	} else {
		delete(s.held, owner)
	}
}

// holds is "1" when this Store granted owner the lease, else "0": the
// scripts' argument that lets owner take back a lease Redis lost.
func (s *Store) holds(owner string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[owner] {
		return "1"
	}
	return "0"
}

// ended is holds, forgetting owner's lease: it commits or releases it.
func (s *Store) ended(owner string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.held[owner]
	delete(s.held, owner)
	if held {
		return "1"
	}
	return "0"
}

// lostHold is how long a lease Redis lost is held for its holder.
func (s *Store) lostHold() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leaseTTL
}
