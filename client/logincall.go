package client

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// LoginFunc obtains a new session. The client calls it lazily before the
// first request, shortly before the session expires, and after the platform
// answers 10001, 10002 or 10007 — one call at a time however many goroutines
// need it. It runs under its own timeout, not under any caller's context.
type LoginFunc func(ctx context.Context) (Session, error)

// loginCall is the client's login function under the login timeout.
type loginCall struct {
	fn      LoginFunc
	timeout time.Duration
	calls   atomic.Int64 // for Stats
}

// call runs the login function under the login timeout, life being the
// client's. The timeout holds even for a function that ignores its
// context: its answer is then dropped, and the goroutine running it ends
// when it returns (the one goroutine the client cannot stop). A panic in
// the function becomes a LoginFailedError instead of crashing the process.
func (l *loginCall) call(ctx, life context.Context) (Session, error) {
	l.calls.Add(1)
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	type answer struct {
		sess Session
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		var a answer
		defer func() {
			if v := recover(); v != nil {
				a = answer{err: &LoginFailedError{Err: fmt.Errorf("the login function panicked (%T)", v)}}
			}
			ch <- a
		}()
		a.sess, a.err = l.fn(ctx)
	}()
	select {
	case a := <-ch:
		return a.sess, a.err
	case <-ctx.Done():
		if life.Err() != nil {
			return Session{}, ErrClosed
		}
		return Session{}, fmt.Errorf("the login gave no answer within %v: %w", l.timeout, ctx.Err())
	}
}
