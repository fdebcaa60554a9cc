package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// countingLimiter lets every request through and counts them; refuse makes
// it say no, as a *rate.Limiter does for a wait the deadline cannot afford.
type countingLimiter struct {
	mu     sync.Mutex
	waits  int
	refuse error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	return l.refuse
}

// TestRateLimitPacesEveryRequest: the login's request and every attempt,
// retries included, wait on the limiter once each.
func TestRateLimitPacesEveryRequest(t *testing.T) {
	f := newFakeAPI(t)
	f.on("GET", "/x", code(503), ok(`{}`))
	l := &countingLimiter{}
	c := newClient(t, f, mock.NewFakeClock(), client.WithRateLimit(l))
	if err := c.Do(context.Background(), "GET", "/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("1 login + 2 attempts: %d waits on the limiter", l.waits)
	if l.waits != 3 || f.logins.Load() != 1 || f.count("GET", "/x") != 2 {
		t.Errorf("waits %d, logins %d, requests %d; want 3, 1, 2", l.waits, f.logins.Load(), f.count("GET", "/x"))
	}
}

// TestRateLimitRefusalSendsNothing: a limiter that says no fails the call
// at once with ErrRateLimited and the limiter's error, 0 attempts, no
// retry, and the breaker does not count it.
func TestRateLimitRefusalSendsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		wouldWait := errors.New("rate: Wait(n=1) would exceed context deadline")
		l := &countingLimiter{refuse: wouldWait}
		c := newMemClient(t, p, client.BreakerConfig{}, client.WithRateLimit(l), client.WithPolicy(retry.DefaultPolicy()))
		for range 10 {
			ctx, cancel := context.WithTimeout(bg, time.Second)
			err := c.Do(ctx, "GET", "/v1/devices", nil, nil)
			cancel()
			if !errors.Is(err, client.ErrRateLimited) || !errors.Is(err, wouldWait) {
				t.Fatalf("err = %v, want ErrRateLimited and the limiter's error", err)
			}
			if got := attemptsOf(err); got != 0 {
				t.Fatalf("attempts = %d, want 0", got)
			}
		}
		if p.requests.Load() != 0 || l.waits != 10 || c.BreakerState() != client.BreakerClosed {
			t.Errorf("requests %d, waits %d, breaker %v; want 0, 10, closed", p.requests.Load(), l.waits, c.BreakerState())
		}
	})
}

// attemptsOf returns the Attempts of the call err ended, -1 for an error of
// none of the call's types.
func attemptsOf(err error) int {
	var ae *apierrors.APIError
	var de *apierrors.DecodeError
	var te *apierrors.TransportError
	switch {
	case errors.As(err, &ae):
		return ae.Attempts
	case errors.As(err, &de):
		return de.Attempts
	case errors.As(err, &te):
		return te.Attempts
	}
	return -1
}
