package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// pollHold is the demo endpoint's hold, short so the tour stays quick.
const pollHold = time.Second

// pollStep long-polls an events endpoint that enforces the platform's
// one-poll-per-IP rule: client.Poll follows the cursor, rides out an
// injected 20008 by waiting the hold, and refuses a second poller on the
// same client.
func pollStep() step {
	return step{
		name:     "long polling: cursor, 20008, one poller",
		expected: "events a, b via cursor c1; 20008 waited out ≥ 1 s (the hold); 2nd Poll busy; 0 conflicts",
		run: func(ctx context.Context, d *demo) (string, bool) {
			type batch struct {
				Events []string
				Cursor string
			}
			events := mock.NewLongPoll(pollHold, mock.OK(map[string]any{"Events": []string{}}))
			d.srv.On("GET", "/v1/events", events.Reply())
			events.Push(
				mock.OK(map[string]any{"Events": []string{"a"}, "Cursor": "c1"}),
				mock.Code(20008), // as if another poll from this IP were open
				mock.OK(map[string]any{"Events": []string{"b"}, "Cursor": "c2"}),
			)
			opts := client.PollOptions[batch]{
				Hold: pollHold,
				Next: func(last batch) (string, any) { return "/v1/events?cursor=" + last.Cursor, nil },
			}
			var (
				seen    []string
				busy    bool
				pollErr error
			)
			d.polling.Store(true)
			defer d.polling.Store(false)
			start := time.Now()
			for b, err := range client.Poll(ctx, d.c, "GET", "/v1/events", nil, opts) {
				if err != nil {
					pollErr = err
					break
				}
				seen = append(seen, b.Events...)
				fmt.Fprintf(d.out, "  batch %v, cursor %s after %v\n", b.Events, b.Cursor, time.Since(start).Round(10*time.Millisecond))
				if b.Cursor == "c1" {
					fmt.Fprintln(d.out, "  (the next poll is answered 20008: Poll waits the hold, then polls again)")
					for _, err := range client.Poll(ctx, d.c, "GET", "/v1/events", nil, opts) {
						busy = errors.Is(err, client.ErrPollerBusy)
						fmt.Fprintf(d.out, "  a second Poll on this client: ErrPollerBusy %v\n", busy)
					}
				}
				if b.Cursor == "c2" {
					break
				}
			}
			elapsed := time.Since(start)
			var cursors []string
			for _, r := range requestsTo(d.srv, "GET", "/v1/events") {
				cursors = append(cursors, r.Query.Get("cursor"))
			}
			seenText := fmt.Sprintf("events %v, cursors %q, %d requests in %v, 2nd Poll busy: %v, %d conflicts",
				seen, cursors, events.Polls(), elapsed.Round(10*time.Millisecond), busy, events.Conflicts())
			if pollErr != nil {
				return seenText + "; " + outcome(pollErr), false
			}
			ok := len(seen) == 2 && events.Polls() == 3 && len(cursors) == 3 && cursors[2] == "c1" &&
				elapsed >= pollHold && busy && events.Conflicts() == 0
			return seenText, ok
		},
	}
}
