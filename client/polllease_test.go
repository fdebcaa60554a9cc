package client_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/client"
)

// fakeLease is a PollLease in memory: Hold hands out the lease at once,
// and lose ends the held context, as a holder cut off from the lease's
// store sees it.
type fakeLease struct {
	mu       sync.Mutex
	holds    int
	releases int
	cancel   context.CancelFunc
}

func (l *fakeLease) Hold(ctx context.Context) (context.Context, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds++
	held, cancel := context.WithCancel(ctx)
	l.cancel = cancel
	return held, func() {
		cancel()
		l.mu.Lock()
		l.releases++
		l.mu.Unlock()
	}, nil
}

func (l *fakeLease) lose() {
	l.mu.Lock()
	l.cancel()
	l.mu.Unlock()
}

// TestPollHoldsTheLeaseWhilePolling: Poll holds the lease once for all its
// polls; a lease lost mid-poll drops that poll, yields nothing for it and
// holds the lease again; the end of the loop gives the lease up.
func TestPollHoldsTheLeaseWhilePolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newMemPlatform(respond(ok(`{}`)))
		lease := &fakeLease{}
		c, err := client.New("http://127.0.0.1:9", client.WithHTTPClient(&http.Client{Transport: p}), client.WithPollLease(lease))
		if err != nil {
			t.Fatal(err)
		}
		release := p.holdRequests()
		polls := 0
		go func() {
			time.Sleep(time.Second)
			lease.lose() // the first poll is held: it is dropped
			time.Sleep(time.Second)
			release()
		}()
		for _, err := range client.Poll[struct{}](bg, c, "GET", "/v1/events", nil, client.PollOptions[struct{}]{Hold: 10 * time.Second}) {
			if err != nil {
				t.Fatal(err)
			}
			if polls++; polls == 3 {
				break
			}
		}
		if lease.holds != 2 || lease.releases != 2 || p.requests.Load() != 4 {
			t.Errorf("holds %d, releases %d, requests %d; want 2, 2, 4 (one dropped, three yielded)", lease.holds, lease.releases, p.requests.Load())
		}
	})
}
