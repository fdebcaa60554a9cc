package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// semaphoreLease is a PollLease for the processes of one machine sharing
// it, here goroutines: a channel of one slot. A fleet uses
// redisstore.NewPollLease instead.
type semaphoreLease chan struct{}

func (l semaphoreLease) Hold(ctx context.Context) (context.Context, func(), error) {
	select {
	case l <- struct{}{}:
		return ctx, func() { <-l }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// Two clients share one lease: the second Poll waits as a standby while
// the first holds it, and polls once the first loop has ended.
func ExampleWithPollLease() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/events", mock.OK(map[string]any{"Events": []string{"a"}}))
	lease := make(semaphoreLease, 1)
	poll := func(name string) {
		c, err := srv.NewClient(client.WithPollLease(lease))
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		type batch struct{ Events []string }
		for b, err := range client.Poll[batch](context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[batch]{Hold: time.Second}) {
			fmt.Println(name, b.Events, err)
			break
		}
	}
	lease <- struct{}{} // someone else holds it
	done := make(chan struct{})
	go func() { poll("standby"); close(done) }()
	time.Sleep(10 * time.Millisecond)
	fmt.Println("the standby has polled", srv.Count("GET", "/v1/events"), "times")
	<-lease // the holder gives it up
	<-done
	poll("next")
	// Output:
	// the standby has polled 0 times
	// standby [a] <nil>
	// next [a] <nil>
}
