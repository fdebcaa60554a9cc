package redisstore

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// subscription listens on the account's channel: each message is a new
// generation, which drops the cache and wakes the waiters.
type subscription struct {
	once sync.Once

	mu     sync.Mutex
	ps     *redis.PubSub
	done   chan struct{} // closed when the listener has stopped
	closed bool
	// heard is the generation announced last; wake is closed and replaced
	// at each announcement.
	heard uint64
	wake  chan struct{}
}

func (sub *subscription) init() { sub.wake = make(chan struct{}) }

// announce records gen as the newest generation and wakes every waiter.
func (sub *subscription) announce(gen uint64) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	sub.heard = gen
	close(sub.wake)
	sub.wake = make(chan struct{})
}

func (sub *subscription) state() (uint64, <-chan struct{}) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.heard, sub.wake
}

func (sub *subscription) close() {
	sub.mu.Lock()
	sub.closed = true
	ps, done := sub.ps, sub.done
	sub.mu.Unlock()
	if ps != nil {
		_ = ps.Close()
	}
	if done != nil {
		<-done
	}
}

// subscribe starts the listener once, in the background: subscribing dials
// Redis, and a Redis that is down must not hold up the first Load.
func (s *Store) subscribe() {
	s.sub.once.Do(func() {
		s.sub.mu.Lock()
		defer s.sub.mu.Unlock()
		if s.sub.closed {
			return
		}
		s.sub.done = make(chan struct{})
		go s.listen(s.sub.done)
	})
}

// listen runs until Close. go-redis reconnects and subscribes again after a
// lost connection; messages published meanwhile are lost, so subscribing
// again drops the cache, and waiters poll.
func (s *Store) listen(done chan<- struct{}) {
	defer close(done)
	ps := s.rdb.Subscribe(context.Background(), s.keys.channel)
	s.sub.mu.Lock()
	if s.sub.closed {
		s.sub.mu.Unlock()
		_ = ps.Close()
		return
	}
	s.sub.ps = ps
	s.sub.mu.Unlock()
	subscribed := false
	for m := range ps.ChannelWithSubscriptions(redis.WithChannelSize(64)) {
		switch m := m.(type) {
		case *redis.Message:
			if gen, err := strconv.ParseUint(m.Payload, 10, 64); err == nil {
				s.drop(gen)
				s.sub.announce(gen)
			}
		case *redis.Subscription:
			if subscribed {
				s.dropUpTo(math.MaxUint64)
			}
			subscribed = true
		}
	}
}

// AwaitSession blocks until a session newer than gen is announced, max has
// passed, or ctx ends; it returns ctx.Err() in the last case, else nil, and
// the caller asks AcquireLogin again. Announcements come by pub/sub; while
// none comes, it asks Redis for the generation every poll interval (100 ms
// by default), never past max.
func (s *Store) AwaitSession(ctx context.Context, gen uint64, max time.Duration) error {
	if s.err != nil {
		return s.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.subscribe()
	deadline := time.Now().Add(max)
	for {
		heard, wake := s.sub.state()
		if heard > gen {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(min(left, s.cfg.poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
			continue
		case <-t.C:
		}
		if time.Until(deadline) <= 0 {
			return nil
		}
		// A lost message: the stored generation tells. An error here is
		// not the caller's concern; its next AcquireLogin reports it.
		if g, err := s.rdb.Get(ctx, s.keys.gen).Uint64(); err == nil && g > gen {
			s.drop(g)
			return nil
		}
	}
}
