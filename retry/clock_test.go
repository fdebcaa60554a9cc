package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/retry"
)

func TestSystemClockSleepEndsWithTheContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"zero delay returns at once", context.Background(), 0, nil},
		{"negative delay returns at once", context.Background(), -time.Second, nil},
		{"short delay is slept", context.Background(), time.Millisecond, nil},
		{"cancelled context ends an hour's sleep", cancelled, time.Hour, context.Canceled},
		{"expired context ends an hour's sleep", expired, time.Hour, context.DeadlineExceeded},
		{"zero delay on a cancelled context still reports it", cancelled, 0, context.Canceled},
	}
	clock := retry.SystemClock()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := clock.Sleep(tt.ctx, tt.d)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Sleep = %v, want %v", err, tt.want)
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Fatalf("Sleep took %v", elapsed)
			}
			if tt.want == nil && tt.d > 0 && time.Since(start) < tt.d {
				t.Fatalf("Sleep returned before %v", tt.d)
			}
		})
	}
}

func TestSystemClockSleepStopsWhenCancelledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	start := time.Now()
	if err := retry.SystemClock().Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Sleep took %v after cancel", elapsed)
	}
}

func TestSystemClockNowIsTheWallClock(t *testing.T) {
	before := time.Now()
	got := retry.SystemClock().Now()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Fatalf("Now() = %v, want within [%v, %v]", got, before, after)
	}
}
