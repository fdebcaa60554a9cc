package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// Poll consumes a long-poll endpoint: each batch is handed to the loop body,
// the next request follows the batch's cursor, and 20008 or a 5xx never
// reach the loop.
func ExamplePoll() {
	m := mock.New(nil)
	events := mock.NewLongPoll(30*time.Second, mock.OK(map[string]any{"Events": []string{}}))
	m.On("GET", "/v1/events", events.Reply())
	events.Push(
		mock.OK(map[string]any{"Events": []string{"door opened"}, "Cursor": "c1"}),
		mock.Code(503), // backed off and polled again
		mock.OK(map[string]any{"Events": []string{"door closed", "light on"}, "Cursor": "c2"}),
	)
	c, _ := m.NewClient(client.WithClock(mock.NewFakeClock())) // waits take no time

	type batch struct {
		Events []string
		Cursor string
	}
	opts := client.PollOptions[batch]{
		Hold: 30 * time.Second,
		Next: func(last batch) (string, any) { return "/v1/events?cursor=" + last.Cursor, nil },
	}
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, opts) {
		if err != nil {
			fmt.Println("polling ended:", err)
			break
		}
		fmt.Println(b.Cursor, b.Events)
		if b.Cursor == "c2" {
			break
		}
	}
	fmt.Println("polls:", events.Polls())
	// Output:
	// c1 [door opened]
	// c2 [door closed light on]
	// polls: 3
}
