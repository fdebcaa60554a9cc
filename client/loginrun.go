package client

import (
	"context"
	stderrors "errors"
	"fmt"
	"time"
)

// leaseGrace is how much longer than the login timeout a client waits for
// another client's login (renewed while it runs) before giving up.
const leaseGrace = 5 * time.Second

// leasePoll bounds one wait for another client's login before the lease is
// asked again, so a holder that died is noticed when its lease lapses.
const leasePoll = 100 * time.Millisecond

// loginRun is one login, shared by every caller that needs it while it
// runs. Its fields are written once, before done is closed.
type loginRun struct {
	after   uint64 // the generation it replaces
	relogin bool   // it replaces a condemned session
	done    chan struct{}
	sess    Session
	own     bool // sess is this run's own login, stored by it
	err     error

	// For the observer: the context of the call that started the run, for
	// its values, and the login's own, nil when the run did not log in.
	caller, ctx context.Context
}

// start returns the running login, or starts one that replaces generation
// after; nil once the client is closed. s.mu is held. The login runs in a
// goroutine of its own, owned by s (Close ends and waits for it), under the
// client's life and its own timeout, so no caller leaving cancels it for
// the others.
func (s *sessions) start(ctx context.Context, after uint64) *loginRun {
	if s.run != nil {
		return s.run
	}
	r := &loginRun{after: after, relogin: s.condemned.Load() > 0 && after <= s.condemned.Load(), done: make(chan struct{}), caller: ctx}
	if !s.life.spawn(func() { s.runLogin(r) }) {
		return nil
	}
	s.run = r
	return r
}

func (s *sessions) runLogin(r *loginRun) {
	issued := s.now()
	s.obtain(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.err == nil {
		s.cool.loggedIn(r.sess.Generation, r.relogin)
		s.latest.Store(max(s.latest.Load(), r.sess.Generation))
		if d := s.deadAuth.Load(); d != nil && *d == "Bearer "+r.sess.Token {
			// The platform handed the same token out again, as a new
			// session: it is alive, and requests carrying it may leave.
			s.deadAuth.Store(nil)
		}
		if r.own {
			if r.sess.Generation <= s.condemned.Load() {
				// The store lost its data and numbers afresh: the session
				// just stored is the newest whatever its number.
				s.condemned.Store(r.sess.Generation - 1)
			}
			s.plan.plan(r.sess, issued)
		}
	}
	s.run = nil
	close(r.done)
}

// obtain is the one way to a new session: through the store's login lease
// when it has one, so that a fleet sharing the store logs in once, else
// by logging in and storing the session. Every failed login starts the
// cool-down, here and, through the lease, in the fleet. Under the lease the
// login is kept alive and its session committed by loginLeased; a commit
// refused because another client took the lease over costs nothing: the
// client waits for that client's session as for any holder's.
func (s *sessions) obtain(r *loginRun) {
	// Long enough to wait for another client's login and then run one's own.
	ctx, cancel := context.WithTimeout(s.life.ctx, s.login.timeout+leaseGrace+s.login.timeout)
	defer cancel()
	if s.lease == nil {
		s.loginAndStore(ctx, r)
		if r.err != nil {
			s.fail(r.err)
		}
		return
	}
	for {
		g, err := s.lease.AcquireLogin(ctx, r.after, s.owner, s.leaseTTL())
		switch {
		case err != nil:
			r.err = storeError("acquire login lease", err)
			s.fail(r.err)
		case g.Newer:
			r.sess = g.Session
		case g.Cooldown > 0:
			s.mu.Lock()
			s.cool.hold(s.clock.Now().Add(g.Cooldown), errFleetCooldown)
			r.err = s.cool.blocked(s.clock.Now())
			s.mu.Unlock()
		case g.HeldFor > 0:
			if err := s.lease.AwaitSession(ctx, r.after, min(g.HeldFor, leasePoll)); err != nil {
				r.err = fmt.Errorf("waiting for another client's login: %w", err)
				break
			}
			continue
		case g.Granted:
			s.loginLeased(ctx, r)
			if stderrors.Is(r.err, ErrLeaseLost) {
				// Its session was never stored, and it is not a failed
				// login: no cool-down, no release of another's lease.
				r.err = nil
				continue
			}
			if r.err != nil {
				wait := s.fail(r.err)
				// The lease goes back even when the login's own
				// context has ended.
				if err := s.lease.ReleaseLogin(context.WithoutCancel(ctx), s.owner, wait); err != nil {
					r.err = stderrors.Join(r.err, storeError("release login lease", err))
				}
			}
		default:
			r.err = storeError("acquire login lease", stderrors.New("empty grant"))
			s.fail(r.err)
		}
		return
	}
}

// loginAndStore logs in once and stores the session as the generation after
// r.after.
func (s *sessions) loginAndStore(ctx context.Context, r *loginRun) {
	prev := r.after
	if s.lease == nil {
		// Without a lease, check here whether someone stored a newer session.
		if cur, ok, err := s.store.Load(ctx); err == nil && ok && cur.Generation > prev {
			r.sess = cur
			return
		}
	}
	ctx = s.obs.loginStart(ctx, r.caller, LoginInfo{Generation: prev})
	r.ctx = ctx
	defer s.loginEnd(ctx, r)
	fresh, err := s.logIn(ctx)
	if err != nil {
		r.err = err
		return
	}
	stored, err := s.store.Replace(ctx, prev, fresh)
	if err != nil {
		r.err = storeError("replace", err)
		return
	}
	r.sess, r.own = stored, stored.Token == fresh.Token
}

// loginEnd tells the observer how the login of r ended.
func (s *sessions) loginEnd(ctx context.Context, r *loginRun) {
	s.obs.loginEnd(ctx, LoginResult{LoginInfo: LoginInfo{Generation: r.after}, Err: r.err})
}

// fail starts the cool-down after a failed login and returns its length; a
// login ended by Close, one that corrected the clock, or one the circuit
// breaker refused (the platform is down, not this login) starts none.
func (s *sessions) fail(err error) time.Duration {
	if stderrors.Is(err, ErrClosed) || stderrors.Is(err, ErrCircuitOpen) || s.life.ctx.Err() != nil {
		return 0
	}
	var cc clockCorrected
	if stderrors.As(err, &cc) {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cool.fail(s.clock.Now(), err)
}

// leaseTTL is the TTL the client asks its login lease for: leaseLife,
// renewed every leaseRenew while its login runs (leasedlogin.go).
func (s *sessions) leaseTTL() time.Duration { return leaseLife }

// clockCorrected marks a 10006 login failure after which the clock offset
// was corrected.
type clockCorrected struct{ error }

func (c clockCorrected) Unwrap() error { return c.error }

// storeError names the session store's failing operation.
func storeError(op string, err error) error {
	return fmt.Errorf("session store %s: %w", op, err)
}
