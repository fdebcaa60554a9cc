package client

import (
	"context"
	"sync"
)

// lifetime owns the goroutines a client starts on its own (its logins):
// each runs under ctx, which Close cancels, and Close waits for them. It
// is guarded by its owner's mutex, but for ctx and the wait group.
type lifetime struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

func newLifetime() lifetime {
	ctx, cancel := context.WithCancel(context.Background())
	return lifetime{ctx: ctx, cancel: cancel}
}

// spawn runs f in a goroutine the lifetime owns; false once it has ended.
func (l *lifetime) spawn(f func()) bool {
	if l.closed {
		return false
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
	return true
}

// end marks the lifetime over (under the owner's mutex): nothing is spawned
// any more.
func (l *lifetime) end() { l.closed = true }

// wait cancels what runs and waits for it, outside the owner's mutex.
func (l *lifetime) wait() {
	l.cancel()
	l.wg.Wait()
}
