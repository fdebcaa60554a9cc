package client

import (
	"context"
	stderrors "errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

// LoginFunc obtains a new session. The client calls it lazily before the
// first request, shortly before the session expires, and after the platform
// answers 10001, 10002 or 10007 — one call at a time however many goroutines
// need it. It runs under its own timeout, not under any caller's context.
type LoginFunc func(ctx context.Context) (Session, error)

// sessions owns the client's session: it loads it from the store, logs in
// when there is none or it is about to expire, and collapses concurrent
// logins into one.
type sessions struct {
	store   SessionStore
	login   LoginFunc
	policy  *retry.Policy
	clock   retry.Clock
	margin  time.Duration
	timeout time.Duration
	backoff retry.Backoff
	rnd     func() float64
	flight  singleflight.Group
	gate    *breaker // the client's circuit breaker, nil without one

	// offset is the server clock minus the local clock, in nanoseconds,
	// learnt from the Date header of a 10006 answer.
	offset atomic.Int64
	// logins counts the login function's calls, for hooks and tests.
	logins atomic.Int64

	mu sync.Mutex
	// plan is when to refresh the session this client logged in last;
	// a session another replica stored is refreshed a margin before expiry.
	plan struct {
		gen uint64
		at  time.Time
	}
	cooldown cooldown
}

// cooldown spaces logins after a failed one, so the login endpoint is never
// hammered.
type cooldown struct {
	failures int
	until    time.Time
	err      error
	schedule *retry.Schedule
}

// now is the local clock corrected by the server's offset.
func (s *sessions) now() time.Time {
	return s.clock.Now().Add(time.Duration(s.offset.Load()))
}

// correctClock learns the server's clock offset from a Date header.
func (s *sessions) correctClock(h http.Header) bool {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return false
	}
	// Date has one-second resolution: round to the second to avoid
	// inventing sub-second precision.
	s.offset.Store(int64(t.Sub(s.clock.Now()).Round(time.Second)))
	return true
}

// current returns a session to send, logging in if there is none. A session
// due for refresh but not yet expired is returned at once while the shared
// login refreshes it in the background, as Azure's bearer policy does, so
// no call waits for a refresh it does not need; once a session has expired,
// callers wait for the new one.
func (s *sessions) current(ctx context.Context) (Session, error) {
	cur, ok, err := s.store.Load(ctx)
	if err != nil {
		return Session{}, err
	}
	if ok && !s.due(cur) {
		return cur, nil
	}
	if ok && (cur.ExpiresAt.IsZero() || s.now().Before(cur.ExpiresAt)) {
		if s.blocked() == nil {
			s.start(ctx, cur.Generation)
		}
		return cur, nil
	}
	return s.refresh(ctx, cur.Generation)
}

// due reports whether sess should be refreshed before use.
func (s *sessions) due(sess Session) bool {
	if sess.ExpiresAt.IsZero() {
		return false
	}
	at := sess.ExpiresAt.Add(-s.margin)
	s.mu.Lock()
	if s.plan.gen == sess.Generation && !s.plan.at.IsZero() {
		at = s.plan.at
	}
	s.mu.Unlock()
	return !s.now().Before(at)
}

// refresh returns a session newer than generation gen: one already stored by
// another caller, or a new login shared by every caller that asks meanwhile.
// A caller whose ctx ends stops waiting; the login goes on for the others.
func (s *sessions) refresh(ctx context.Context, gen uint64) (Session, error) {
	if cur, ok, err := s.store.Load(ctx); err == nil && ok && cur.Generation > gen && !s.due(cur) {
		return cur, nil
	}
	if err := s.blocked(); err != nil {
		return Session{}, err
	}
	select {
	case res := <-s.start(ctx, gen):
		if res.Err != nil {
			return Session{}, res.Err
		}
		return res.Val.(Session), nil
	case <-ctx.Done():
		return Session{}, ctx.Err()
	}
}

// start joins the shared login, or starts it: one flight however many
// callers ask. The login runs under its own timeout and outlives any
// caller's context; a panic in the login function becomes a LoginError
// instead of crashing the process from singleflight's goroutine.
func (s *sessions) start(ctx context.Context, gen uint64) <-chan singleflight.Result {
	return s.flight.DoChan("login", func() (v any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &LoginError{Err: fmt.Errorf("the login function panicked (%T)", r)}
				s.fail(err)
			}
		}()
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		defer cancel()
		return s.loginOnce(lctx, gen)
	})
}

// loginOnce runs inside the single flight: it checks once more whether
// another caller stored a newer session, logs in, and stores the result as
// the next generation.
func (s *sessions) loginOnce(ctx context.Context, gen uint64) (Session, error) {
	if cur, ok, err := s.store.Load(ctx); err == nil && ok {
		if cur.Generation > gen && !s.due(cur) {
			return cur, nil
		}
		// Replace fences on the stored generation: a caller holding an
		// older one must not have its fresh login refused.
		gen = max(gen, cur.Generation)
	}
	if err := s.blocked(); err != nil {
		return Session{}, err
	}
	var (
		issued  time.Time
		fresh   Session
		err     error
		skewed  bool
		retryer = s.policy.NewRetryer(s.rnd)
	)
	for n := 1; ; n++ {
		issued = s.now()
		fresh, err = s.call(ctx)
		if err == nil && fresh.Token == "" {
			err = &LoginError{Err: errEmptyToken}
		}
		if err == nil {
			break
		}
		if stderrors.Is(err, ErrCircuitOpen) {
			// The breaker refused the login request: the platform is
			// down, not this login, so no cool-down starts.
			return Session{}, err
		}
		if code, ok := apierrors.CodeOf(err); ok && code == apierrors.Code(10006) && !skewed {
			// The login function has corrected the clock offset if it
			// could (the default login reads the Date header); sign
			// once more with the server's time.
			skewed = true
			continue
		}
		// A login only issues a token, so repeating it is safe: transient
		// platform and transport failures are retried on the policy's
		// schedule. Other errors of a custom login are its own word.
		var (
			ae *apierrors.APIError
			te *apierrors.TransportError
		)
		if !stderrors.As(err, &ae) && !stderrors.As(err, &te) {
			break
		}
		d := retryer.Decide(ctx, retry.Attempt{Number: n, Err: err, Idempotent: true}, s.clock.Now())
		if d.Action == apierrors.ActionRetry && s.gate.blocks() {
			// This failure opened the breaker: no sleep for a login
			// request it would refuse, and no cool-down on top of it.
			// A new error: this one may already have been observed.
			return Session{}, fmt.Errorf("%w (%w)", err, ErrCircuitOpen)
		}
		if d.Action != apierrors.ActionRetry || !fits(ctx, s.clock.Now().Add(d.Delay)) || s.clock.Sleep(ctx, d.Delay) != nil {
			break
		}
	}
	if err != nil {
		s.fail(err)
		return Session{}, err
	}
	fresh.Generation = 0
	stored, err := s.store.Replace(ctx, gen, fresh)
	if err != nil {
		return Session{}, err
	}
	s.succeed(stored, issued)
	return stored, nil
}

func (s *sessions) call(ctx context.Context) (Session, error) {
	s.logins.Add(1)
	return s.login(ctx)
}

// blocked returns the last login error while the cool-down after it lasts.
func (s *sessions) blocked() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cooldown.err == nil || !s.clock.Now().Before(s.cooldown.until) {
		return nil
	}
	return &LoginCooldownError{Until: s.cooldown.until, Err: s.cooldown.err}
}

func (s *sessions) fail(err error) {
	if stderrors.Is(err, context.Canceled) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.cooldown
	if c.schedule == nil {
		c.schedule = s.backoff.Schedule(s.rnd)
	}
	c.failures++
	wait := c.schedule.Next()
	var ae *apierrors.APIError
	if stderrors.As(err, &ae) && ae.RetryAfter > wait {
		wait = ae.RetryAfter
	}
	c.until = s.clock.Now().Add(wait)
	c.err = err
}

func (s *sessions) succeed(stored Session, issued time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cooldown = cooldown{}
	s.plan.gen, s.plan.at = stored.Generation, time.Time{}
	if stored.ExpiresAt.IsZero() {
		return
	}
	// Refresh a margin ahead of expiry, but never later than half-way
	// through a short session, so a short-lived session is not refreshed
	// on every call.
	margin := min(s.margin, stored.ExpiresAt.Sub(issued)/2)
	s.plan.at = stored.ExpiresAt.Add(-margin)
}

// cooldownLeft reports how long to wait before the next login, when err is
// a login failure worth waiting out: too many logins (10004), a throttled or
// unavailable endpoint, or a transport failure.
func (s *sessions) cooldownLeft(err error) (time.Duration, bool) {
	if !waitable(err) {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.cooldown.until.Sub(s.clock.Now()), 0), true
}

func waitable(err error) bool {
	if stderrors.Is(err, ErrCircuitOpen) {
		return false // the breaker, not the login endpoint, said no
	}
	if stderrors.Is(err, context.Canceled) || stderrors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if code, ok := apierrors.CodeOf(err); ok {
		switch code.Action() {
		case apierrors.ActionLoginCooldown, apierrors.ActionRetry, apierrors.ActionRetryThrottle:
			return true
		}
		return false
	}
	var te *apierrors.TransportError
	return stderrors.As(err, &te)
}

// errEmptyToken is the cause of a LoginError for a login that succeeded
// without a token: sending no session would only bring 10001 back.
var errEmptyToken = stderrors.New("the login returned an empty token")

// LoginError is a failed login: the platform refused it (10000, 10003,
// 10005, …) or could not be reached. Err is the login's own error, so
// errors.Is matches its code.
type LoginError struct {
	// Err is the login's error.
	Err error
}

// Error names the failed login and its cause.
func (e *LoginError) Error() string {
	return "devcloud: login failed: " + strings.TrimPrefix(e.Err.Error(), "devcloud: ")
}

// Unwrap returns the login's error.
func (e *LoginError) Unwrap() error { return e.Err }

// LoginCooldownError is returned instead of logging in while the client waits
// after a failed login. Err is that login's error, so errors.Is matches its
// code (10004, 10005, …).
type LoginCooldownError struct {
	// Until is when the client will try to log in again.
	Until time.Time
	// Err is the error of the login that started the cool-down.
	Err error
}

// Error names the cool-down and the failed login's error.
func (e *LoginCooldownError) Error() string {
	return "devcloud: login cooling down until " + e.Until.UTC().Format(time.RFC3339) + " after: " + strings.TrimPrefix(e.Err.Error(), "devcloud: ")
}

// Unwrap returns the failed login's error.
func (e *LoginCooldownError) Unwrap() error { return e.Err }
