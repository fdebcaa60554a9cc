package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// throttleStep sends 20 goroutines of calls for 1.5 s at an endpoint that
// accepts 50 requests/s (a token bucket, burst 5) and answers 30011 above;
// the client's adaptive throttle finds that rate after the first throttle
// answer. It has a client of its own, so the tour's other steps run
// without a throttle.
func throttleStep() step {
	return step{
		name:     "adaptive throttle finds the platform's rate",
		expected: "20 goroutines for 1.5 s, platform accepts 50/s: after 0.5 s ≤ 10 % of requests throttled, ≥ 35 calls/s accepted, ≤ 5 % of calls failed",
		run: func(ctx context.Context, d *demo) (string, bool) {
			var rates atomic.Int64
			c, err := d.srv.NewClient(client.WithAdaptiveThrottle(client.ThrottleConfig{}),
				client.WithObserver(client.Observer{Throttle: func(i client.ThrottleInfo) { rates.Store(int64(i.Rate)) }}))
			if err != nil {
				return err.Error(), false
			}
			defer c.Close()
			const path = "/v1/telemetry"
			start := time.Now()
			var (
				mu                      sync.Mutex
				tokens                  = 5.0
				at                      = start
				late, lateThrottled     int
				requests, throttledSeen int
				accepted                int // in the first 1.5 s
			)
			d.srv.On("GET", path, mock.Func(func(*mock.Request) mock.Reply {
				mu.Lock()
				defer mu.Unlock()
				now := time.Now()
				tokens = min(5, tokens+now.Sub(at).Seconds()*50)
				at = now
				requests++
				lateStart := now.Sub(start) >= 500*time.Millisecond
				if lateStart {
					late++
				}
				if tokens < 1 {
					throttledSeen++
					if lateStart {
						lateThrottled++
					}
					return mock.Code(apierrors.LicenseExhausted)
				}
				tokens--
				if now.Sub(start) < 1500*time.Millisecond {
					accepted++
				}
				return mock.OK(map[string]any{})
			}))
			var ok, failed atomic.Int64
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					for time.Since(start) < 1500*time.Millisecond && ctx.Err() == nil {
						cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
						if c.Do(cctx, "GET", path, nil, nil) == nil {
							ok.Add(1)
						} else {
							failed.Add(1)
						}
						cancel()
					}
				})
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			share := 0.0
			if late > 0 {
				share = 100 * float64(lateThrottled) / float64(late)
			}
			goodput := float64(accepted) / 1.5
			fmt.Fprintf(d.out, "  %d requests, %d throttled (%d of %d after 0.5 s); the client's send rate ends at %d/s\n",
				requests, throttledSeen, lateThrottled, late, rates.Load())
			calls := ok.Load() + failed.Load()
			seen := fmt.Sprintf("after 0.5 s %.1f %% throttled, %.0f calls/s accepted, %d of %d calls failed", share, goodput, failed.Load(), calls)
			return seen, share <= 10 && goodput >= 35 && failed.Load()*20 <= calls
		},
	}
}
