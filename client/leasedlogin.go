package client

import (
	"context"
	"fmt"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// A login lease lasts leaseLife and its holder renews it every leaseRenew
// while its login runs, so a holder that dies mid-login is taken over
// within leaseLife (plus one leasePoll), not after the login timeout; three
// renewals in a row may fail before the lease lapses under a live holder.
// The renewals run on the real clock, as the lease's TTL does in a shared
// store (Redis's clock).
const (
	leaseLife  = 2 * time.Second
	leaseRenew = leaseLife / 4
)

// loginLeased logs in while holding the lease, renewed until the login
// ends, and stores the session with CommitLogin, so that a holder that lost
// its lease meanwhile stores nothing: r.err then matches ErrLeaseLost.
func (s *sessions) loginLeased(ctx context.Context, r *loginRun) {
	ctx = s.obs.loginStart(ctx, r.caller, LoginInfo{Generation: r.after})
	r.ctx = ctx
	defer s.loginEnd(ctx, r)
	stop := s.keepLease(ctx, r.after)
	fresh, err := s.logIn(ctx)
	stop()
	if err != nil {
		r.err = err
		return
	}
	stored, err := s.lease.CommitLogin(ctx, s.owner, r.after, fresh)
	if err != nil {
		r.err = storeError("commit login", err)
		return
	}
	r.sess, r.own = stored, stored.Token == fresh.Token
}

// keepLease renews the lease for a login replacing generation gen every
// leaseRenew until stop is called or ctx ends; stop waits for the renewals
// to end. A renewal that fails is tried again at the next tick; one that
// finds the lease taken over or a newer session stored ends them (the
// commit then finds out).
func (s *sessions) keepLease(ctx context.Context, gen uint64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			g, err := s.lease.AcquireLogin(ctx, gen, s.owner, s.leaseTTL())
			if err == nil && (g.Newer || g.HeldFor > 0) {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// logIn calls the login function and judges its answer as loginAndStore
// does: an empty or unsendable token is a failed login; a 10006 after which
// the clock offset was corrected and a failure that opened the circuit
// breaker are marked so that they start no cool-down.
func (s *sessions) logIn(ctx context.Context) (Session, error) {
	version := s.offset.version()
	fresh, err := s.login.call(ctx, s.life.ctx)
	switch {
	case err != nil:
	case fresh.Token == "":
		err = &LoginFailedError{Err: errEmptyToken}
	case hasControl(fresh.Token, true) || hasControl(fresh.CSRFToken, true):
		err = &LoginFailedError{Err: errUnsendableToken}
	}
	if err == nil {
		fresh.Generation = 0
		return fresh, nil
	}
	if code, ok := apierrors.CodeOf(err); ok && code == apierrors.Code(10006) && s.offset.version() != version {
		return Session{}, clockCorrected{err}
	}
	if waitable(err) && s.gate.blocks() {
		return Session{}, fmt.Errorf("%w (%w)", err, ErrCircuitOpen)
	}
	return Session{}, err
}
