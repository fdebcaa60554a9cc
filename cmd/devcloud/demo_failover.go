package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// failoverCoolOff is the demo's endpoint cool-off: the default is 30 s,
// too long for a tour.
const failoverCoolOff = 500 * time.Millisecond

// failoverSteps are the tour of demo --failover: one fake platform behind
// two gateways, the first of which dies, or answers 503 and comes back.
func failoverSteps() []step {
	return []step{
		{
			name:     "a gateway dies mid-run",
			expected: "40 calls, the first gateway killed after 20: 0 failed, 1 request to it after it died, no backoff sleep",
			run: func(ctx context.Context, d *demo) (string, bool) {
				g1, g2, c, w, err := d.gateways()
				if err != nil {
					return err.Error(), false
				}
				defer g2.Close()
				defer g1.Close()
				defer c.Close()
				failed, deadAt := 0, 0
				for i := range 40 {
					if i == 20 {
						g1.Close()
						deadAt = w.calls(g1.URL)
						fmt.Fprintf(d.out, "  (call %d: the first gateway is killed)\n", i+1)
					}
					if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
						failed++
						fmt.Fprintf(d.out, "  call %d failed: %s\n", i+1, cut(outcome(err), tableWidth-20))
					}
				}
				toDead := w.calls(g1.URL) - deadAt
				seen := fmt.Sprintf("%d failed; first gateway %d calls (%d after it died), second %d; %d backoff sleeps",
					failed, w.calls(g1.URL), toDead, w.calls(g2.URL), w.sleeps())
				return seen, failed == 0 && toDead == 1 && w.calls(g2.URL) == 20 && w.sleeps() == 0
			},
		},
		{
			name:     "a gateway answers 503, then comes back",
			expected: "10 calls while the first answers 503: all answered by the second, 1 request to the first; healed, after its cool-off traffic returns to it",
			run: func(ctx context.Context, d *demo) (string, bool) {
				g1, g2, c, w, err := d.gateways()
				if err != nil {
					return err.Error(), false
				}
				defer g2.Close()
				defer g1.Close()
				defer c.Close()
				if _, err := c.Session(ctx); err != nil {
					return err.Error(), false
				}
				g1.Fail(mock.HTML(503, ""))
				failed := 0
				for range 10 {
					if c.Do(ctx, "GET", "/v1/devices", nil, nil) != nil {
						failed++
					}
				}
				during := g1.Requests() - 1 // the login's
				g1.Heal()
				fmt.Fprintf(d.out, "  (the first gateway is healed; waiting %v for its cool-off)\n", failoverCoolOff)
				select {
				case <-time.After(failoverCoolOff + 50*time.Millisecond):
				case <-ctx.Done():
					return "the tour's deadline passed", false
				}
				before := w.calls(g1.URL)
				for range 5 {
					if c.Do(ctx, "GET", "/v1/devices", nil, nil) != nil {
						failed++
					}
				}
				back := w.calls(g1.URL) - before
				seen := fmt.Sprintf("%d failed; %d request to the first while it failed, %d calls by the second; %d of 5 back on the first",
					failed, during, w.calls(g2.URL), back)
				return seen, failed == 0 && during == 1 && w.calls(g2.URL) == 10 && back == 5 && w.sleeps() == 0
			},
		},
	}
}

// gateways starts two gateways to the demo's platform and a client that
// reaches it through the first, with the second as its fallback.
func (d *demo) gateways() (g1, g2 *mock.Gateway, c *client.Client, w *watch, err error) {
	d.srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"cam-1", "cam-2"}}))
	g1, g2 = d.srv.NewGateway(), d.srv.NewGateway()
	w = &watch{d: d, names: map[string]string{g1.URL: "first", g2.URL: "second"}, n: map[string]int{}}
	c, err = client.New(g1.URL, append(d.srv.ClientConfig().ClientOptions(),
		client.WithEndpoints(g2.URL), client.WithEndpointCoolOff(failoverCoolOff), client.WithObserver(w.observer()))...)
	if err != nil {
		g1.Close()
		g2.Close()
	}
	return g1, g2, c, w, err
}

// watch counts a failover client's calls per endpoint and its sleeps, and
// prints its failed attempts and its endpoints' changes.
type watch struct {
	d     *demo
	names map[string]string
	mu    sync.Mutex
	n     map[string]int
	slept int
}

func (w *watch) observer() client.Observer {
	return client.Observer{
		AttemptEnd: func(_ context.Context, a client.AttemptInfo) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if !a.Login {
				w.n[a.Endpoint]++
			}
			if a.Err != nil {
				what := "transport error"
				if a.Code != 0 {
					what = fmt.Sprint(int(a.Code))
					if info, ok := a.Code.Info(); ok {
						what += " " + info.Name
					}
				}
				next := "→ " + a.Action.String()
				switch {
				case a.Delay > 0:
					next += " in " + a.Delay.Round(time.Millisecond).String()
				case a.Action == apierrors.ActionRetry:
					next += " at once"
				}
				fmt.Fprintf(w.d.out, "  attempt %d  %s %s  via the %s gateway: %s  %s\n",
					a.Attempt, a.Method, a.Path, w.names[a.Endpoint], what, next)
			}
		},
		Wait: func(context.Context, client.WaitInfo) {
			w.mu.Lock()
			w.slept++
			w.mu.Unlock()
		},
		EndpointChange: func(_ context.Context, e client.EndpointInfo) {
			if e.SetAside {
				fmt.Fprintf(w.d.out, "  the %s gateway is set aside for %v; the next attempt goes to the other at once\n",
					w.names[e.URL], e.CoolOff.Round(time.Millisecond))
			} else {
				fmt.Fprintf(w.d.out, "  the %s gateway answered its probe: traffic is back on it\n", w.names[e.URL])
			}
		},
	}
}

func (w *watch) calls(endpoint string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[endpoint]
}

func (w *watch) sleeps() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.slept
}
