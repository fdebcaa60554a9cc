package mock_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// A LongPoll scripts a long-poll endpoint that enforces the platform's
// one-poll-per-IP rule. Here it first answers an injected 20008, which
// client.Poll waits out for the hold before it polls again.
func ExampleLongPoll() {
	m := mock.New(nil)
	events := mock.NewLongPoll(30*time.Second, mock.OK(map[string]any{"Events": []string{}}))
	m.On("GET", "/v1/events", events.Reply())
	events.Push(
		mock.Code(20008),
		mock.OK(map[string]any{"Events": []string{"door opened"}}),
	)
	clk := mock.NewFakeClock()
	c, _ := m.NewClient(client.WithClock(clk), client.WithRandom(func() float64 { return 0 }))

	type batch struct{ Events []string }
	opts := client.PollOptions[batch]{Hold: 30 * time.Second}
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, opts) {
		fmt.Println(b.Events, err)
		// A second poller on the same client is refused before it sends anything.
		for _, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, opts) {
			fmt.Println("second poller busy:", errors.Is(err, client.ErrPollerBusy))
		}
		break
	}
	fmt.Println("polls:", events.Polls(), "conflicts:", events.Conflicts(), "waited:", clk.Sleeps())
	// Output:
	// [door opened] <nil>
	// second poller busy: true
	// polls: 2 conflicts: 0 waited: [30s]
}
