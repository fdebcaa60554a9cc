package mock

import (
	"context"
	"sync"
	"time"
)

// codeDuplicateLongPoll is 20008, 同一个IP发送了多个长轮询请求.
const codeDuplicateLongPoll = 20008

// LongPoll is a long-poll endpoint as the platform runs one. It holds each
// poll open until a reply is queued with Push or Hold passes (then it
// answers its idle reply), and it answers 20008 (同一个IP发送了多个长轮询请求)
// to a poll that arrives while another one is open. A poll whose client
// gave up stays open until its hold ends, as on the platform, so a client
// timeout shorter than the hold earns a 20008 on the next poll.
//
// Script it on a route of either flavour with its Reply, which stands for
// every request of the route:
//
//	lp := mock.NewLongPoll(30*time.Second, mock.OK(map[string]any{"Events": []any{}}))
//	srv.On("GET", "/v1/events", lp.Reply())
//	lp.Push(mock.OK(map[string]any{"Events": []string{"door opened"}, "Cursor": "c1"}))
//
// Holds are measured with real timers, which testing/synctest makes
// virtual: inside synctest.Test a 30 s hold takes no time. The 20008 rule
// uses the flavour's clock (WithPlatformClock), so a client sharing that
// FakeClock sleeps past a hold and finds the abandoned poll gone. A LongPoll is safe for
// concurrent use and may serve several routes and flavours at once.
type LongPoll struct {
	hold time.Duration
	idle Reply

	mu          sync.Mutex
	queue       []Reply
	wake        chan struct{} // closed by Push
	open        []*held
	polls       int
	conflicts   int
	inFlight    int
	maxInFlight int
}

// held is a poll the endpoint counts as open: until it is answered, or,
// once its client is gone, until its hold ends.
type held struct {
	until time.Time
	gone  bool
}

// NewLongPoll returns an endpoint that holds polls for hold and answers
// idle when nothing was pushed meanwhile. A hold of 0 answers idle at once.
func NewLongPoll(hold time.Duration, idle Reply) *LongPoll {
	return &LongPoll{hold: hold, idle: idle, wake: make(chan struct{})}
}

// Reply returns the Reply to script on the endpoint's route:
// srv.On("GET", "/v1/events", lp.Reply()).
func (lp *LongPoll) Reply() Reply {
	return Reply{kind: KindOK, poll: lp}
}

// Push queues replies for the next polls, in order: an open poll gets the
// first one at once, later polls the others without being held. Any Reply
// goes, so Push(Code(20008)) injects a 20008 and Push(Code(503)) an outage.
func (lp *LongPoll) Push(replies ...Reply) {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	for _, r := range replies {
		if r.poll != nil {
			panic("mock: LongPoll.Push of a LongPoll's Reply")
		}
	}
	lp.queue = append(lp.queue, replies...)
	close(lp.wake)
	lp.wake = make(chan struct{})
}

// Polls returns how many requests reached the endpoint.
func (lp *LongPoll) Polls() int {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return lp.polls
}

// Conflicts returns how many polls were answered 20008 because another poll
// was open (pushed 20008s are not counted).
func (lp *LongPoll) Conflicts() int {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return lp.conflicts
}

// MaxInFlight returns the most requests the endpoint was handling at once,
// the ones it refused with 20008 included.
func (lp *LongPoll) MaxInFlight() int {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return lp.maxInFlight
}

// Queued returns how many pushed replies no poll has taken yet.
func (lp *LongPoll) Queued() int {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return len(lp.queue)
}

// replyTo decides the reply to a poll that arrived at now (the flavour's
// clock), holding it as the platform would. It returns early when ctx ends
// (the client is gone) or closing is closed (the server shuts down).
func (lp *LongPoll) replyTo(ctx context.Context, now time.Time, closing <-chan struct{}) Reply {
	lp.mu.Lock()
	lp.polls++
	lp.inFlight++
	lp.maxInFlight = max(lp.maxInFlight, lp.inFlight)
	defer func() {
		lp.mu.Lock()
		lp.inFlight--
		lp.mu.Unlock()
	}()
	kept := lp.open[:0]
	for _, h := range lp.open {
		if !h.gone || now.Before(h.until) {
			kept = append(kept, h)
		}
	}
	clear(lp.open[len(kept):])
	lp.open = kept
	if len(lp.open) > 0 {
		lp.conflicts++
		lp.mu.Unlock()
		return Code(codeDuplicateLongPoll)
	}
	h := &held{until: now.Add(lp.hold)}
	lp.open = append(lp.open, h)
	lp.mu.Unlock()

	var expired <-chan time.Time
	if lp.hold > 0 {
		t := time.NewTimer(lp.hold)
		defer t.Stop()
		expired = t.C
	}
	for {
		lp.mu.Lock()
		if len(lp.queue) > 0 {
			r := lp.queue[0]
			lp.queue = lp.queue[1:]
			lp.closeLocked(h)
			lp.mu.Unlock()
			return r
		}
		if lp.hold <= 0 {
			lp.closeLocked(h)
			lp.mu.Unlock()
			return lp.idle
		}
		wake := lp.wake
		lp.mu.Unlock()
		select {
		case <-wake:
		case <-expired:
			lp.mu.Lock()
			lp.closeLocked(h)
			lp.mu.Unlock()
			return lp.idle
		case <-closing:
			lp.mu.Lock()
			lp.closeLocked(h)
			lp.mu.Unlock()
			return lp.idle
		case <-ctx.Done():
			// The client left; the platform holds the poll until its hold
			// ends all the same.
			lp.mu.Lock()
			h.gone = true
			lp.mu.Unlock()
			return lp.idle
		}
	}
}

// closeLocked forgets an answered poll.
func (lp *LongPoll) closeLocked(h *held) {
	for i, o := range lp.open {
		if o == h {
			lp.open = append(lp.open[:i], lp.open[i+1:]...)
			return
		}
	}
}
