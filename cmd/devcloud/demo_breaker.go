package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// breakerOpenFor is the demo breaker's open time: the default is 30 s,
// too long for a tour.
const breakerOpenFor = time.Second

// breakerStep shows the circuit breaker open on a platform that is down and
// close once it is back. It has a client of its own, so the tour's other
// steps run without a breaker.
func breakerStep() step {
	return step{
		name:     "circuit breaker opens and closes",
		expected: "503 everywhere: 10 calls, 5 requests, then open; back after 1 s: 1 probe closes it",
		run: func(ctx context.Context, d *demo) (string, bool) {
			c, err := d.srv.NewClient(
				client.WithAttemptHook(d.print),
				client.WithCircuitBreaker(client.BreakerConfig{
					OpenFor: breakerOpenFor,
					OnStateChange: func(from, to client.BreakerState) {
						fmt.Fprintf(d.out, "  breaker: %s → %s\n", from, to)
					},
				}),
			)
			if err != nil {
				return err.Error(), false
			}
			defer c.Close()
			const path = "/v1/alarms"
			d.srv.On("GET", path, mock.Code(503))
			var refused int
			var slowest time.Duration
			for i := 1; i <= 10; i++ {
				before := d.srv.Count("GET", path)
				start := time.Now()
				err := c.Do(ctx, "GET", path, nil, nil)
				took := time.Since(start)
				if d.srv.Count("GET", path) == before && errors.Is(err, client.ErrCircuitOpen) {
					refused++
					slowest = max(slowest, took)
					fmt.Fprintf(d.out, "  call %d: refused by the open breaker in %v, nothing sent\n", i, took.Round(time.Microsecond))
				}
			}
			sent := d.srv.Count("GET", path)
			opened := c.BreakerState() == client.BreakerOpen

			d.srv.On("GET", path, mock.OK(map[string]any{"Alarms": []string{}}))
			fmt.Fprintf(d.out, "  (the platform is back; waiting %v for the breaker to let a probe through)\n", breakerOpenFor)
			select {
			case <-time.After(breakerOpenFor + 50*time.Millisecond):
			case <-ctx.Done():
				return "the tour's deadline passed", false
			}
			err = c.Do(ctx, "GET", path, nil, nil)
			probes := d.srv.Count("GET", path) - sent
			closed := c.BreakerState() == client.BreakerClosed
			seen := fmt.Sprintf("%d calls, %d requests, %d refused (slowest %v); %d probe, %s, breaker %s",
				10, sent, refused, slowest.Round(time.Microsecond), probes, outcome(err), c.BreakerState())
			return seen, opened && sent == 5 && refused == 8 && err == nil && probes == 1 && closed
		},
	}
}
