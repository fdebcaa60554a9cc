package client

import (
	"context"
	stderrors "errors"
	"sync"
	"sync/atomic"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
	"github.com/devcloud/devcloud-go/retry"
)

// maxSessionRounds bounds the logins one caller waits for in one get: a
// login that brings back a session already known dead is followed by one
// more, never by an endless chain.
const maxSessionRounds = 3

// sessions owns the client's session, as azcore's temporal.Resource owns a
// token: a mutex guards the state, a session due for refresh is handed out
// while one login refreshes it, an expired or condemned one is never handed
// out. Its states, for the session in the store:
//
//	valid     → handed out
//	due       → handed out; a login runs unless one runs or a cool-down holds
//	expired   → callers wait for a login
//	condemned → (a session code was seen on it) same as expired, forever
//
// Its three verbs are get (a session newer than a generation), condemn (the
// platform refused generation N) and proven (a call succeeded with N).
// Every login goes through loginRun (loginrun.go), one at a time; the
// cool-down and the judgement of refusals at birth are cooldown's
// (cooldown.go), the refresh schedule refreshPlan's (refresh.go).
type sessions struct {
	obs    *Observer // the client's
	store  SessionStore
	lease  LoginLease // the store's login lease, or nil
	owner  string     // this client's name for the lease
	login  loginCall  // nil fn: the client does not log in
	clock  retry.Clock
	gate   *breaker // the client's circuit breaker, nil without one
	offset clockOffset
	life   lifetime // every login runs under it; Close ends it

	mu        sync.Mutex
	condemned atomic.Uint64 // every generation up to this one is dead; written under mu
	// deadAuth is the Authorization value of the newest condemned
	// session, which the client's transport never lets leave.
	deadAuth atomic.Pointer[string]
	latest   atomic.Uint64 // the newest generation seen; written under mu
	run      *loginRun
	cool     cooldown
	plan     refreshPlan
}

// now is the local clock corrected by the server's offset.
func (s *sessions) now() time.Time { return s.offset.apply(s.clock.Now()) }

// ticket is the session layer's account of one call: the generation its
// next session must be newer than, and the replays it has had. The call
// holds it; only the session layer reads or writes it.
type ticket struct {
	after    uint64 // a session code condemned this generation: the next session is newer
	relogged bool   // the call has been replayed once after a session code
	fresh    bool   // the session of the last attempt came from a login the call waited for
	logins   int    // logins the call waited for or was refused
	free     bool   // the next request is a replay the policy does not count
}

// counts reports whether the request about to be counted is an attempt of
// the policy's (1) or a replay it does not count (0).
func (t *ticket) counts() int {
	if t.free {
		t.free = false
		return 0
	}
	return 1
}

// session returns the session for a call's next attempt, t its ticket:
// none when the client does not log in.
func (s *sessions) session(ctx context.Context, t *ticket) (Session, error) {
	if s.login.fn == nil {
		return Session{}, nil
	}
	sess, ran, err := s.get(ctx, t.after)
	if ran || err != nil {
		t.logins++
	}
	t.fresh = ran && err == nil
	return sess, err
}

// replay handles a session code (10001, 10002, 10007, 10006) that the
// session of generation gen met: the session is condemned, so no call is
// handed it again, and it reports whether the call is replayed on a newer
// one. The first replay of a call is free (not an attempt of the policy's);
// any later one — after a session someone else had already seen refused,
// or one that had worked before it was revoked — is an attempt like a
// retry, within the call's attempts (more reports whether any are left), so
// no call sends more than its attempts and one replay. A replay refused too
// ends the call when the refusal counts as a failed login (see condemn).
func (s *sessions) replay(t *ticket, sess Session, err error, noRetry, more bool) bool {
	gen := sess.Generation
	_, rejected := s.condemn(sess, t.relogged, t.fresh, err)
	switch {
	case noRetry, rejected:
		return false
	case !t.relogged:
		t.relogged, t.free = true, true
	case !more:
		return false
	}
	t.after = max(t.after, gen)
	return true
}

// get returns a session newer than generation after (0: any) and newer than
// every condemned one, logging in if there is none. ran reports whether the
// caller waited for a login.
func (s *sessions) get(ctx context.Context, after uint64) (sess Session, ran bool, err error) {
	resigned := false
	for range maxSessionRounds {
		cur, ok, err := s.store.Load(ctx)
		if err != nil {
			return Session{}, ran, storeError("load", err)
		}
		if ok && s.handOut(cur, after) {
			return cur, ran, nil
		}
		s.mu.Lock()
		need := max(after, s.condemned.Load())
		if ok && cur.Generation > need {
			s.latest.Store(max(s.latest.Load(), cur.Generation))
			switch s.plan.freshness(cur, s.now()) {
			case valid:
				s.mu.Unlock()
				return cur, ran, nil
			case due:
				if s.cool.blocked(s.clock.Now()) != nil {
					s.mu.Unlock()
					return cur, ran, nil
				}
				r := s.start(ctx, cur.Generation)
				if after == 0 || r == nil {
					s.mu.Unlock()
					return cur, ran, nil
				}
				// A caller replacing a refused session waits for the
				// refresh under way: the platform may refuse the old
				// session as soon as the new one is issued.
			}
			need = cur.Generation
		}
		if err := s.cool.blocked(s.clock.Now()); err != nil {
			s.mu.Unlock()
			return Session{}, ran, err
		}
		r := s.start(ctx, need)
		s.mu.Unlock()
		if r == nil {
			return Session{}, ran, ErrClosed
		}
		ran = true
		select {
		case <-r.done:
		case <-ctx.Done():
			return Session{}, ran, ctx.Err()
		}
		if r.ctx != nil {
			s.obs.loginWait(ctx, r.ctx, r.err)
		}
		if r.err != nil {
			var cc clockCorrected
			if stderrors.As(r.err, &cc) && !resigned {
				// The login learnt the server's clock: sign again at once.
				resigned = true
				continue
			}
			return Session{}, ran, r.err
		}
		s.mu.Lock()
		fresh := r.sess.Generation > s.condemned.Load() && (r.sess.Generation > need || r.own)
		s.mu.Unlock()
		if fresh {
			return r.sess, ran, nil
		}
		after = max(after, r.sess.Generation)
	}
	return Session{}, ran, &LoginFailedError{Err: stderrors.New("no session newer than the condemned one")}
}

// handOut reports whether the stored session cur is one get hands out as
// it is, newer than after, without taking the mutex: when the mutex would
// only have found it valid, seen before and not condemned. Most calls find
// so, and leave the mutex, whose cache line every core would write, alone.
func (s *sessions) handOut(cur Session, after uint64) bool {
	if cur.Generation <= max(after, s.condemned.Load()) || cur.Generation > s.latest.Load() {
		return false
	}
	return cur.ExpiresAt.IsZero() || s.plan.valid(cur, s.now())
}

// liveStep keeps a request from leaving on a session another call saw
// refused after it was handed out: sending it would only bring a session
// code back, and cost the call an attempt. The call asks for a newer
// session instead (judge's staleSession).
type liveStep struct{ s *sessions }

func (l liveStep) run(ctx context.Context, a *exchange) result {
	if s := a.k.sess; s.Token != "" && s.Generation <= l.s.condemned.Load() {
		return result{refused: true, stale: true, ctx: ctx}
	}
	return a.next(ctx)
}

// condemn records that the platform refused the session sess: no caller
// gets it, or an older one, again. first reports whether nobody had seen
// it refused before; rejected whether the refusal counts as a failed login
// (cooldown.refusedAtBirth tells a platform that revoked a session again
// from one that refuses every session). All in one step, so no caller
// slips a login in between.
func (s *sessions) condemn(sess Session, replay, fresh bool, err error) (first, rejected bool) {
	gen := sess.Generation
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen <= s.condemned.Load() {
		return false, false
	}
	// The transport's gate (deadAuth) first: once the generation reads
	// condemned, no request on it passes the gate any more.
	if sess.Token != "" {
		auth := "Bearer " + sess.Token
		s.deadAuth.Store(&auth)
	}
	s.condemned.Store(gen)
	return true, s.cool.refusedAtBirth(gen, s.latest.Load(), replay, fresh, s.clock.Now(), err)
}

// proven records that a call succeeded with the session of generation gen.
// Most calls find nothing else to record, without the mutex.
func (s *sessions) proven(gen uint64) {
	if !s.cool.unproven(gen) {
		return
	}
	s.mu.Lock()
	s.cool.provenBy(gen)
	s.mu.Unlock()
}

// cooldownLeft reports how long to wait before the next login, when err is
// a login failure worth waiting out: too many logins (10004), a clock the
// login just corrected (10006), a throttled or unavailable endpoint, a
// transport failure, or another client's failed login.
func (s *sessions) cooldownLeft(err error) (time.Duration, bool) {
	if !waitable(err) {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cool.left(s.clock.Now()), true
}

// A login that timed out ends its own waiters at the login timeout, but the
// cool-down it starts is waited out by the calls that meet it later, as any
// other: its deadline was the login's, not theirs.
func waitable(err error) bool {
	if stderrors.Is(err, ErrCircuitOpen) {
		return false // the breaker, not the login endpoint, said no
	}
	var cd *LoginCooldownError
	later := stderrors.As(err, &cd)
	if stderrors.Is(err, context.Canceled) || stderrors.Is(err, ErrClosed) ||
		!later && stderrors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if later && stderrors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if stderrors.Is(err, errFleetCooldown) {
		return true
	}
	if code, ok := apierrors.CodeOf(err); ok {
		switch code.Action() {
		case apierrors.ActionLoginCooldown, apierrors.ActionReloginClockSkew, apierrors.ActionRetry, apierrors.ActionRetryThrottle:
			return true
		}
		return false
	}
	var te *apierrors.TransportError
	if !stderrors.As(err, &te) {
		return false
	}
	class, _ := retrying.ClassifyTransport(nil, te.Err)
	return class != retrying.Permanent
}

// close ends the running login and waits for it.
func (s *sessions) close() {
	s.mu.Lock()
	s.life.end()
	s.mu.Unlock()
	s.life.wait()
}
