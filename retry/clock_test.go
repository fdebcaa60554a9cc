package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/devcloud/devcloud-go/retry"
)

// The system clock's tests run in synctest bubbles: its timers are on the
// bubble's clock, so every sleep is measured exactly and takes no real time.

func TestSystemClockSleepEndsWithTheContext(t *testing.T) {
	tests := []struct {
		name  string
		ctx   func() context.Context
		d     time.Duration
		want  error
		slept time.Duration
	}{
		{"zero delay returns at once", context.Background, 0, nil, 0},
		{"negative delay returns at once", context.Background, -time.Second, nil, 0},
		{"short delay is slept", context.Background, time.Millisecond, nil, time.Millisecond},
		{"an hour is slept", context.Background, time.Hour, nil, time.Hour},
		{"cancelled context ends an hour's sleep", cancelledContext, time.Hour, context.Canceled, 0},
		{"expired context ends an hour's sleep", expiredContext, time.Hour, context.DeadlineExceeded, 0},
		{"zero delay on a cancelled context still reports it", cancelledContext, 0, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				err := retry.SystemClock().Sleep(tt.ctx(), tt.d)
				if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
					t.Fatalf("Sleep = %v, want %v", err, tt.want)
				}
				if slept := time.Since(start); slept != tt.slept {
					t.Fatalf("Sleep took %v, want %v", slept, tt.slept)
				}
			})
		})
	}
}

func cancelledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func expiredContext() context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	cancel() // it expired when made: its error stays DeadlineExceeded
	return ctx
}

func TestSystemClockSleepStopsWhenCancelledMidway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		start := time.Now()
		if err := retry.SystemClock().Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep = %v, want context.Canceled", err)
		}
		if slept := time.Since(start); slept != 10*time.Millisecond {
			t.Fatalf("Sleep took %v, want 10ms: it ends with the cancel", slept)
		}
	})
}

func TestSystemClockNowIsTheWallClock(t *testing.T) {
	before := time.Now()
	got := retry.SystemClock().Now()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Fatalf("Now() = %v, want within [%v, %v]", got, before, after)
	}
}
