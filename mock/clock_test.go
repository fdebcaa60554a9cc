package mock_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

var _ retry.Clock = (*mock.FakeClock)(nil)

func TestClockRecordsSleepsAndAdvances(t *testing.T) {
	c := mock.NewFakeClock()
	start := c.Now()
	c.Sleep(context.Background(), time.Second)
	c.Advance(time.Minute)
	c.Sleep(context.Background(), 2*time.Second)
	if got := c.Now().Sub(start); got != time.Minute+3*time.Second {
		t.Errorf("advanced %v, want 1m3s", got)
	}
	if got := c.Sleeps(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Errorf("sleeps = %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || len(c.Sleeps()) != 2 {
		t.Errorf("sleep on a done context: %v, %d sleeps", err, len(c.Sleeps()))
	}
}

// With a FakeClock, an application's test of its retry path asserts the exact
// schedule and takes no time.
func ExampleFakeClock() {
	m := mock.New(nil)
	m.On("GET", "/v1/streams", mock.Code(20005).Times(2), mock.OK(map[string]any{}))
	clk := mock.NewFakeClock()
	c, _ := m.NewClient(client.WithClock(clk), client.WithRandom(func() float64 { return 0.5 }))

	err := c.Do(context.Background(), "GET", "/v1/streams", nil, nil)

	fmt.Println(err, clk.Sleeps()) // jitter at mid-range: the schedule's own intervals
	// Output: <nil> [100ms 200ms]
}
