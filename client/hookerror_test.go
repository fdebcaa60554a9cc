package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// seenErrors keeps every error a hook was handed with how it looked then,
// and reads each one again from another goroutine while the call goes on,
// so -race reports any later write to it.
type seenErrors struct {
	mu    sync.Mutex
	errs  []error
	shown []string
	wg    sync.WaitGroup
}

func (s *seenErrors) hook(info client.AttemptInfo) {
	if info.Err == nil {
		return
	}
	shown := fmt.Sprintf("%#v|%v", info.Err, info.Err)
	s.mu.Lock()
	s.errs, s.shown = append(s.errs, info.Err), append(s.shown, shown)
	s.mu.Unlock()
	s.wg.Go(func() {
		for range 100 {
			_ = fmt.Sprintf("%#v", info.Err)
		}
	})
}

// check fails t if an error changed after its hook saw it, or if the hook
// saw it incomplete (no method, path or attempt number).
func (s *seenErrors) check(t *testing.T) {
	t.Helper()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) == 0 {
		t.Fatal("the hook saw no error: the test proves nothing")
	}
	for i, err := range s.errs {
		if now := fmt.Sprintf("%#v|%v", err, err); now != s.shown[i] {
			t.Errorf("error %d changed after the hook saw it:\n  then %s\n  now  %s", i, s.shown[i], now)
		}
		var ae *apierrors.APIError
		var de *apierrors.DecodeError
		var te *apierrors.TransportError
		switch {
		case errors.As(err, &ae):
			if ae.Method == "" || ae.Path == "" || ae.Attempts == 0 {
				t.Errorf("the hook saw an incomplete error: %#v", ae)
			}
		case errors.As(err, &de):
			if de.Method == "" || de.Path == "" || de.Attempts == 0 {
				t.Errorf("the hook saw an incomplete error: %#v", de)
			}
		case errors.As(err, &te):
			if te.Method == "" || te.Path == "" || te.Attempts == 0 {
				t.Errorf("the hook saw an incomplete error: %#v", te)
			}
		}
	}
}

// TestAnErrorIsCompleteBeforeItsHookAndNeverChangesAfter runs every way a
// call adds to its last error — the cause of an early stop, the attempts —
// and checks that the errors the hook was handed are complete and unchanged
// when the call returns.
func TestAnErrorIsCompleteBeforeItsHookAndNeverChangesAfter(t *testing.T) {
	tests := []struct {
		name    string
		replies []mock.Reply
		opts    []client.Option
		ctx     func(clk *mock.FakeClock) (context.Context, context.CancelFunc)
		cause   error
	}{
		{"attempts used up", []mock.Reply{mock.Code(20005)}, nil, nil, nil},
		{"Retry-After past the cap", []mock.Reply{mock.Code(503).WithRetryAfter(time.Hour)}, nil, nil, retry.ErrRetryAfterTooLong},
		{"retry budget exhausted", []mock.Reply{mock.Code(20005)},
			[]client.Option{client.WithPolicy(func() *retry.Policy {
				p := retry.DefaultPolicy()
				p.Budget.Capacity = 5
				return p
			}())}, nil, retry.ErrBudgetExhausted},
		{"backoff past the deadline", []mock.Reply{mock.Code(20005)}, nil,
			func(clk *mock.FakeClock) (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), clk.Now().Add(150*time.Millisecond))
			}, context.DeadlineExceeded},
		{"a relogin, then a failure", []mock.Reply{mock.Code(10001), mock.Code(20001)}, nil, nil, nil},
		{"a 2xx body that does not fit", []mock.Reply{mock.OK(map[string]string{"N": "x"})}, nil, nil, nil},
		{"a reset on an idempotent call", []mock.Reply{mock.ResetBeforeResponse()}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.New(t)
			m.On("GET", "/v1/x", tt.replies...)
			var seen seenErrors
			clk := mock.NewFakeClock()
			clk.Advance(time.Hour) // deadlines on this clock never pass for real
			opts := append([]client.Option{client.WithClock(clk), client.WithRandom(half), client.WithAttemptHook(seen.hook)}, tt.opts...)
			c, err := m.NewClient(opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx(clk)
			}
			defer cancel()
			var out struct{ N int }
			err = c.Do(ctx, "GET", "/v1/x", nil, &out)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("err = %v, want one that Is %v", err, tt.cause)
			}
			seen.check(t)
		})
	}
}
