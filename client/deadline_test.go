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

// cueDeadline is a context whose deadline passes when the test says so:
// Done closes and Err is context.DeadlineExceeded, as when a real deadline
// passes, at a point of the test's choosing.
type cueDeadline struct {
	context.Context
	at   time.Time
	done chan struct{}
	once sync.Once
}

func newCueDeadline(at time.Time) *cueDeadline {
	return &cueDeadline{Context: context.Background(), at: at, done: make(chan struct{})}
}

func (c *cueDeadline) Deadline() (time.Time, bool) { return c.at, true }
func (c *cueDeadline) Done() <-chan struct{}       { return c.done }

func (c *cueDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *cueDeadline) pass() { c.once.Do(func() { close(c.done) }) }

// TestADeadlineDuringRetriesKeepsThePlatformsAnswer ends a call at each
// step of its retries — before a backoff that would pass the deadline,
// during the backoff, during the next attempt, while waiting for a login —
// and wants one shape every time: the last platform answer, an *APIError
// with its code, whose cause matches context.DeadlineExceeded.
func TestADeadlineDuringRetriesKeepsThePlatformsAnswer(t *testing.T) {
	tests := []struct {
		name     string
		code     apierrors.Code
		attempts int
		run      func(t *testing.T) (err error, requests int)
	}{
		{"a backoff that would pass the deadline", 20005, 2, func(t *testing.T) (error, int) {
			m := mock.New(t)
			m.On("GET", "/v1/x", mock.Code(20005))
			clk := mock.NewFakeClock()
			clk.Advance(time.Hour) // the deadline is on this clock's time line
			c, _ := m.NewClient(client.WithClock(clk), client.WithRandom(half))
			ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(250*time.Millisecond))
			defer cancel()
			return c.Do(ctx, "GET", "/v1/x", nil, nil), m.Count("GET", "/v1/x")
		}},
		{"during the backoff", 20005, 1, func(t *testing.T) (err error, n int) {
			synctest.Test(t, func(t *testing.T) {
				m := mock.New(t)
				m.On("GET", "/v1/x", mock.Code(20005))
				c, _ := m.NewClient(client.WithClock(retry.SystemClock()), client.WithRandom(half))
				ctx := newCueDeadline(time.Now().Add(time.Hour))
				go func() { synctest.Wait(); ctx.pass() }() // the call is asleep in its backoff
				err, n = c.Do(ctx, "GET", "/v1/x", nil, nil), m.Count("GET", "/v1/x")
			})
			return err, n
		}},
		{"during the next attempt", 20005, 2, func(t *testing.T) (error, int) {
			m := mock.New(t)
			held := mock.NewGate()
			m.On("GET", "/v1/x", mock.Code(20005), mock.OK(nil).WithGate(held))
			clk := mock.NewFakeClock()
			c, _ := m.NewClient(client.WithClock(clk), client.WithRandom(half))
			ctx := newCueDeadline(clk.Now().Add(time.Hour))
			go func() { <-held.Arrived(); ctx.pass() }()
			return c.Do(ctx, "GET", "/v1/x", nil, nil), m.Count("GET", "/v1/x")
		}},
		{"while waiting for the login after a session code", 10001, 1, func(t *testing.T) (error, int) {
			m := mock.New(t)
			held := mock.NewGate()
			m.OnLogin(mock.LoginOK(), mock.LoginOK().WithGate(held))
			m.On("GET", "/v1/x", mock.Code(10001), mock.OK(nil))
			clk := mock.NewFakeClock()
			c, _ := m.NewClient(client.WithClock(clk), client.WithRandom(half))
			if _, err := c.Session(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx := newCueDeadline(clk.Now().Add(time.Hour))
			go func() { <-held.Arrived(); ctx.pass() }()
			err := c.Do(ctx, "GET", "/v1/x", nil, nil)
			held.Open() // let the login end, so nothing is left running
			return err, m.Count("GET", "/v1/x")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, requests := tt.run(t)
			var ae *apierrors.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("err = %T %v, want the platform's *APIError %d", err, err, tt.code)
			}
			if !errors.Is(err, tt.code) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want one that Is both %d and context.DeadlineExceeded", err, tt.code)
			}
			if ae.Attempts != tt.attempts || requests != tt.attempts {
				t.Errorf("Attempts %d, requests %d; want %d", ae.Attempts, requests, tt.attempts)
			}
		})
	}
}
