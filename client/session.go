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

// LoginFunc obtains a new session. The client calls it lazily before the
// first request, shortly before the session expires, and after the platform
// answers 10001, 10002 or 10007 — one call at a time however many goroutines
// need it. It runs under its own timeout, not under any caller's context.
type LoginFunc func(ctx context.Context) (Session, error)

// refreshJitter is the largest fraction of the refresh margin a client
// gives back, drawn once per client (as the AWS SDK's
// ExpiryWindowJitterFrac), so that replicas sharing a session do not all
// try to refresh it at the same instant.
const refreshJitter = 0.5

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
// Every login goes through loginRun (flight.go), one at a time.
type sessions struct {
	obs     *Observer // the client's
	store   SessionStore
	lease   LoginLease // the store's login lease, or nil
	owner   string     // this client's name for the lease
	login   LoginFunc
	clock   retry.Clock
	margin  time.Duration
	jitter  float64 // fraction of the margin this client gives back
	timeout time.Duration
	gate    *breaker // the client's circuit breaker, nil without one
	offset  clockOffset
	// logins counts the login function's calls, for hooks and tests.
	logins atomic.Int64
	// streak mirrors cool.streak(), so a successful call checks it
	// without the mutex.
	streak atomic.Bool
	// provenGen is the newest generation a call succeeded with: a session
	// that worked and later dies was revoked, not refused at birth.
	provenGen atomic.Uint64
	// refusedGen is the generation whose refusal at birth started the
	// cool-down (0: none), refusal that refusal's error: a success with
	// that session, processed later, shows it was revoked after it had
	// worked, not refused, and lifts the cool-down it started.
	refusedGen atomic.Uint64
	refusal    error
	// revoked is the generation refused at birth and forgiven as revoked
	// again (0: none since a session last worked): the next refusal at
	// birth is not forgiven.
	revoked atomic.Uint64

	// life ends at Close; every login runs under it.
	life context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup // the running login

	mu        sync.Mutex
	closed    bool
	condemned atomic.Uint64 // every generation up to this one is dead; written under mu
	// deadAuth is the Authorization value of the newest condemned
	// session, which the client's transport never lets leave.
	deadAuth atomic.Pointer[string]
	latest   uint64 // the newest generation seen
	// reborn is the generation a relogin brought (a login replacing a
	// condemned session): refused before any call proved it, it counts as
	// a failed login whichever call sees the refusal first.
	reborn uint64
	run    *loginRun
	cool   cooldown
	// plan is when to refresh the session of generation gen.
	plan struct {
		gen uint64
		at  time.Time
	}
}

type freshness int

const (
	valid freshness = iota
	due
	expired
)

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
	if s.login == nil {
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
		s.mu.Lock()
		need := max(after, s.condemned.Load())
		if ok && cur.Generation > need {
			s.latest = max(s.latest, cur.Generation)
			switch s.freshness(cur) {
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

// liveStep keeps a request from leaving on a session another call saw
// refused after it was handed out: sending it would only bring a session
// code back, and cost the call an attempt. The call asks for a newer
// session instead (judge's staleSession).
type liveStep struct{ s *sessions }

func (l liveStep) run(ctx context.Context, a *exchange) result {
	if a.sess.Token != "" && a.sess.Generation <= l.s.condemned.Load() {
		return result{refused: true, stale: true, ctx: ctx}
	}
	return a.next(ctx)
}

// freshness places sess on its way to expiry. s.mu is held.
func (s *sessions) freshness(sess Session) freshness {
	if sess.ExpiresAt.IsZero() {
		return valid
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return expired
	}
	if s.plan.gen != sess.Generation {
		// Another client's login: plan from the moment it was first seen.
		s.planRefresh(sess, now)
	}
	if now.Before(s.plan.at) {
		return valid
	}
	return due
}

// planRefresh sets when to refresh sess, issued at issued: a margin ahead of
// expiry, never later than half-way through a short session (so a
// short-lived session is not refreshed on every call), minus this client's
// jitter. s.mu is held.
func (s *sessions) planRefresh(sess Session, issued time.Time) {
	s.plan.gen, s.plan.at = sess.Generation, time.Time{}
	if sess.ExpiresAt.IsZero() {
		return
	}
	margin := min(s.margin, sess.ExpiresAt.Sub(issued)/2)
	margin -= time.Duration(float64(margin) * s.jitter)
	s.plan.at = sess.ExpiresAt.Add(-margin)
}

// condemn records that the platform refused the session of generation gen:
// no caller gets it, or an older one, again. first reports whether nobody
// had seen it refused before.
//
// When, besides, it is the newest session known and no call has succeeded
// with it, the platform refused it at birth. If a relogin brought it, or
// the caller had just logged in for it (replay: its replay after a
// relogin; fresh: its first session, issued after a failed login or
// refusal), the refusal tells one of two platforms apart:
//
//   - Revoked again: sessions of this client have worked (one was proven)
//     and this is the first session refused at birth since one last
//     worked. A one-session-per-account platform does this when another
//     process logs in twice. It costs no call: nothing cools down, the
//     call logs in again and replays (an attempt of its policy).
//   - Refuses every session: no session ever worked, or a second session
//     in a row was refused at birth. That counts as a failed login and
//     rejected is true: the call fails, and the cool-down makes the calls
//     behind it fail at once rather than wait for another refused session,
//     so such a platform costs a login per cool-down, not one per call
//     (2 logins for 50 calls, TestPlatformRefusingEverySessionCostsBoundedLogins).
//
// Which call's refusal of a relogin's session arrives first — the
// replay's, or that of a call handed the new session without waiting —
// does not matter. All in one step, so no caller slips a login in between.
func (s *sessions) condemn(sess Session, replay, fresh bool, err error) (first, rejected bool) {
	gen := sess.Generation
	ae, isAPI := err.(*apierrors.APIError)
	if isAPI {
		cp := *ae // the call goes on to label its own error
		err = &cp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen <= s.condemned.Load() {
		return false, false
	}
	s.condemned.Store(gen)
	if sess.Token != "" {
		auth := "Bearer " + sess.Token
		s.deadAuth.Store(&auth)
	}
	atBirth := gen >= s.latest && gen > s.provenGen.Load()
	if !atBirth || !(replay || gen == s.reborn || fresh && s.cool.streak()) {
		return true, false
	}
	if s.provenGen.Load() > 0 && s.revoked.Load() == 0 {
		s.revoked.Store(gen) // revoked again; a second in a row is not
		return true, false
	}
	s.cool.fail(s.clock.Now(), err)
	s.streak.Store(true)
	if isAPI { // a pointer: the cool-down's error is compared with it
		s.refusedGen.Store(gen)
		s.refusal = err
	}
	return true, true
}

// proven records that a call succeeded with the session of generation
// gen: the cool-down schedule starts afresh, and a session of gen or newer
// ends the run of sessions revoked at birth. When gen was judged refused at
// birth, the success was only processed after the refusal (many calls were
// in flight on the session when the platform revoked it): the session
// worked, so the cool-down its refusal started is lifted, unless a failed
// login has started one of its own since.
func (s *sessions) proven(gen uint64) {
	for p := s.provenGen.Load(); gen > p && !s.provenGen.CompareAndSwap(p, gen); p = s.provenGen.Load() {
	}
	if !s.streak.Load() && s.refusedGen.Load() == 0 && s.revoked.Load() == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cool.proven()
	s.streak.Store(false)
	if r := s.revoked.Load(); r != 0 && gen >= r {
		s.revoked.Store(0)
	}
	if r := s.refusedGen.Load(); r != 0 && gen >= r {
		if s.cool.err == s.refusal {
			s.cool.lift()
		}
		s.refusedGen.Store(0)
		s.refusal = nil
	}
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
	return max(s.cool.until.Sub(s.clock.Now()), 0), true
}

func waitable(err error) bool {
	if stderrors.Is(err, ErrCircuitOpen) {
		return false // the breaker, not the login endpoint, said no
	}
	if stderrors.Is(err, context.Canceled) || stderrors.Is(err, context.DeadlineExceeded) || stderrors.Is(err, ErrClosed) {
		return false
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
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}
