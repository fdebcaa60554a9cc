package client_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// eventBatch is what the fake events endpoint answers.
type eventBatch struct {
	Events []string
	Cursor string
}

func batch(cursor string, events ...string) mock.Reply {
	return mock.OK(map[string]any{"Events": events, "Cursor": cursor})
}

// idle is the endpoint's answer when a hold ends with nothing new.
var idle = mock.OK(map[string]any{"Events": []string{}})

const hold = 30 * time.Second

// afterCursor follows the endpoint's cursor.
func afterCursor(last eventBatch) (string, any) {
	return "/v1/events?cursor=" + last.Cursor, nil
}

// eventsEndpoint is a Mock whose /v1/events is a long-poll endpoint holding
// polls for hold and enforcing the 20008 rule.
func eventsEndpoint(t *testing.T, opts ...mock.Option) (*mock.Mock, *mock.LongPoll) {
	m := mock.New(t, opts...)
	lp := mock.NewLongPoll(hold, idle)
	m.On("GET", "/v1/events", lp.Reply())
	return m, lp
}

func mockClient(t *testing.T, m *mock.Mock, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := m.NewClient(append([]client.Option{client.WithRandom(half)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// since returns the arrival times of the polls, relative to start.
func since(start time.Time, calls []mock.Request) []time.Duration {
	var ds []time.Duration
	for _, r := range calls {
		if r.Path == "/v1/events" {
			ds = append(ds, r.Time.Sub(start))
		}
	}
	return ds
}

func TestPollFollowsCursors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, lp := eventsEndpoint(t)
		c := mockClient(t, m)
		lp.Push(batch("c1", "a"), batch("c2", "b", "c"), batch("c3", "d"))
		var got []string
		for b, err := range client.Poll(t.Context(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold, Next: afterCursor}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b.Events...)
			if b.Cursor == "c3" {
				break
			}
		}
		synctest.Wait()
		var cursors []string
		for _, r := range m.Requests() {
			if r.Path == "/v1/events" {
				cursors = append(cursors, r.Query.Get("cursor"))
			}
		}
		if len(got) != 4 || len(cursors) != 3 || cursors[0] != "" || cursors[1] != "c1" || cursors[2] != "c2" {
			t.Fatalf("events %v, cursors sent %q; want 4 events and cursors \"\", c1, c2", got, cursors)
		}
		if lp.Polls() != 3 {
			t.Fatalf("Polls() = %d, want 3", lp.Polls())
		}
	})
}

func TestPollKeepsOnePollInFlightPerClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, lp := eventsEndpoint(t)
		c := mockClient(t, m)
		const pollers = 10
		var (
			mu     sync.Mutex
			busy   int
			events int
			other  []error
			wg     sync.WaitGroup
		)
		for range pollers {
			wg.Go(func() {
				for b, err := range client.Poll(t.Context(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
					mu.Lock()
					switch {
					case errors.Is(err, client.ErrPollerBusy):
						busy++
					case err != nil:
						other = append(other, err)
					default:
						events += len(b.Events)
					}
					mu.Unlock()
					if err == nil {
						break // the one poller that runs stops after its first batch
					}
				}
			})
		}
		synctest.Wait() // one poll held by the endpoint, nine loops ended
		mu.Lock()
		if busy != pollers-1 || events != 0 {
			t.Errorf("before any event: %d ErrPollerBusy and %d events, want %d and 0", busy, events, pollers-1)
		}
		mu.Unlock()
		lp.Push(batch("c1", "a"))
		wg.Wait()
		t.Logf("%d concurrent Polls: %d in flight at most, %d × 20008, %d × ErrPollerBusy, %d requests",
			pollers, lp.MaxInFlight(), lp.Conflicts(), busy, lp.Polls())
		if lp.MaxInFlight() != 1 || lp.Conflicts() != 0 || busy != pollers-1 || events != 1 || len(other) != 0 || lp.Polls() != 1 {
			t.Fatalf("MaxInFlight %d, Conflicts %d, busy %d, events %d, other errors %v, polls %d; want 1, 0, %d, 1, none, 1",
				lp.MaxInFlight(), lp.Conflicts(), busy, events, other, lp.Polls(), pollers-1)
		}

		// The loop has ended: the client may poll again.
		lp.Push(batch("c2", "b"))
		for b, err := range client.Poll(t.Context(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
			if err != nil || b.Cursor != "c2" {
				t.Fatalf("a Poll after the first ended: %+v, %v", b, err)
			}
			break
		}
	})
}

func TestPollRidesOutA20008AfterHold(t *testing.T) {
	clk := mock.NewFakeClock()
	m, lp := eventsEndpoint(t, mock.WithPlatformClock(clk))
	c := mockClient(t, m, client.WithClock(clk))
	start := clk.Now()
	lp.Push(mock.Code(20008), batch("c1", "a"))
	n := 0
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
		n++
		if err != nil || b.Cursor != "c1" {
			t.Fatalf("yield %d: %+v, %v; want the batch and no error", n, b, err)
		}
		break
	}
	// Hold plus a tenth of it at random (0.5 here): 31.5 s.
	want := []time.Duration{0, hold + hold/20}
	got := since(start, m.Requests())
	t.Logf("injected 20008: polls at %v, sleeps %v", got, clk.Sleeps())
	if !slices.Equal(got, want) || len(clk.Sleeps()) != 1 || clk.Sleeps()[0] != hold+hold/20 {
		t.Fatalf("polls at %v, sleeps %v; want polls at %v after one sleep of %v", got, clk.Sleeps(), want, hold+hold/20)
	}
	if got[1]-got[0] < hold {
		t.Fatalf("the poll after a 20008 came %v later, want at least Hold (%v)", got[1]-got[0], hold)
	}
}

func TestPollRequestTimeoutIsHoldPlusMarginWhateverWithTimeout(t *testing.T) {
	t.Run("Poll: the hold ends with the idle answer", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			m, lp := eventsEndpoint(t)
			c := mockClient(t, m, client.WithTimeout(time.Second))
			start := time.Now()
			ctx, cancel := context.WithTimeout(t.Context(), 10*hold) // ends the loop if it goes wrong
			defer cancel()
			for b, err := range client.Poll(ctx, c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
				if err != nil || len(b.Events) != 0 {
					t.Fatalf("%+v, %v; want the idle answer", b, err)
				}
				break
			}
			if d := time.Since(start); d != hold || lp.Polls() != 1 || lp.Conflicts() != 0 {
				t.Fatalf("after %v: %d polls, %d conflicts; want the idle answer after %v, 1 poll, 0 conflicts", d, lp.Polls(), lp.Conflicts(), hold)
			}
		})
	})
	t.Run("the mistake Poll avoids: Do with a 1 s timeout earns a 20008", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			m, lp := eventsEndpoint(t)
			c := mockClient(t, m, client.WithTimeout(time.Second))
			var out eventBatch
			err := c.Do(t.Context(), "GET", "/v1/events", nil, &out)
			if !errors.Is(err, apierrors.DuplicateLongPoll) || lp.Conflicts() != 1 {
				t.Fatalf("err = %v, %d conflicts; want 20008 from the retry of the abandoned poll", err, lp.Conflicts())
			}
		})
	})
}

// A platform that holds polls longer than the app's Hold: the poll times
// out on our side, and the next one waits for the transient backoff, meets
// the abandoned poll (20008), and waits Hold. Nothing re-sends it at once.
func TestPollNeverResendsAPollThatTimedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := mock.New(t)
		lp := mock.NewLongPoll(2*hold, idle) // the platform holds 60 s
		m.On("GET", "/v1/events", lp.Reply())
		c := mockClient(t, m)
		start := time.Now()
		ctx, cancel := context.WithTimeout(t.Context(), 70*time.Second)
		defer cancel()
		var errs []error
		for _, err := range client.Poll(ctx, c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
			errs = append(errs, err)
		}
		synctest.Wait()
		// 0 s: held; times out at 35 s (Hold + Margin). 36 s: after the 1 s
		// backoff, the abandoned poll is still open: 20008. 67.5 s: after
		// Hold + 1.5 s, held until the context ends at 70 s.
		want := []time.Duration{0, 36 * time.Second, 67500 * time.Millisecond}
		got := since(start, m.Requests())
		t.Logf("polls at %v; yielded %v", got, errs)
		if !slices.Equal(got, want) {
			t.Fatalf("polls at %v, want %v", got, want)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Fatalf("yielded %v, want one error that Is context.DeadlineExceeded", errs)
		}
		if lp.Conflicts() != 1 {
			t.Fatalf("Conflicts() = %d, want 1", lp.Conflicts())
		}
	})
}

func TestPollBacksOffTransientFailuresWithoutTheRetryBudget(t *testing.T) {
	clk := mock.NewFakeClock()
	m, lp := eventsEndpoint(t, mock.WithPlatformClock(clk))
	c := mockClient(t, m, client.WithClock(clk))
	lp.Push(mock.Code(503), mock.Code(502), mock.NetworkError(errors.New("connection reset by peer")),
		mock.Code(20005), batch("c1", "a"))
	n := 0
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
		n++
		if err != nil || b.Cursor != "c1" {
			t.Fatalf("yield %d: %+v, %v; want the batch and no error", n, b, err)
		}
		break
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	if got := clk.Sleeps(); !slices.Equal(got, want) {
		t.Fatalf("sleeps %v, want %v", got, want)
	}
	if lp.Polls() != 5 || c.Stats().RetryTokens != 500 {
		t.Fatalf("%d polls, budget %d; want 5 and 500 (untouched)", lp.Polls(), c.Stats().RetryTokens)
	}
}

func TestPollYieldsAPermanentErrorAndEnds(t *testing.T) {
	tests := []struct {
		name  string
		reply mock.Reply
		want  error
	}{
		{"20001", mock.Code(20001), apierrors.InsufficientPermission},
		{"404", mock.Code(404), apierrors.Code(404)},
		{"body that does not fit", mock.OK(map[string]any{"Events": "not a list"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, lp := eventsEndpoint(t)
			c := mockClient(t, m, client.WithClock(mock.NewFakeClock()))
			lp.Push(tt.reply, batch("never", "x"))
			var errs []error
			for _, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
				errs = append(errs, err)
			}
			if len(errs) != 1 || errs[0] == nil || tt.want != nil && !errors.Is(errs[0], tt.want) {
				t.Fatalf("yielded %v, want one error matching %v", errs, tt.want)
			}
			if lp.Polls() != 1 {
				t.Fatalf("Polls() = %d, want 1", lp.Polls())
			}
		})
	}
}

func TestPollLogsInAgainOnASessionCode(t *testing.T) {
	m, lp := eventsEndpoint(t)
	c := mockClient(t, m, client.WithClock(mock.NewFakeClock()))
	lp.Push(mock.Code(10001), batch("c1", "a"))
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
		if err != nil || b.Cursor != "c1" {
			t.Fatalf("%+v, %v; want the batch", b, err)
		}
		break
	}
	m.AssertLogins(t, 2)
	if lp.Polls() != 2 {
		t.Fatalf("Polls() = %d, want 2", lp.Polls())
	}
}

func TestPollStopsCleanly(t *testing.T) {
	t.Run("break sends nothing more", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			m, lp := eventsEndpoint(t)
			c := mockClient(t, m)
			lp.Push(batch("c1", "a"), batch("c2", "b"))
			for range client.Poll(t.Context(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold, Next: afterCursor}) {
				break
			}
			synctest.Wait()
			if lp.Polls() != 1 || lp.Queued() != 1 {
				t.Fatalf("after break: %d polls, %d queued; want 1 and 1", lp.Polls(), lp.Queued())
			}
		})
	})
	t.Run("cancel while held ends the request and the loop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			m, lp := eventsEndpoint(t)
			c := mockClient(t, m)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan []error)
			go func() {
				var errs []error
				for _, err := range client.Poll(ctx, c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold}) {
					errs = append(errs, err)
				}
				done <- errs
			}()
			synctest.Wait() // held
			cancel()
			errs := <-done
			synctest.Wait()
			if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || lp.Polls() != 1 {
				t.Fatalf("yielded %v after %d polls; want one error that Is context.Canceled after 1 poll", errs, lp.Polls())
			}
		})
	})
}

func TestPollBadOptionsAreInputErrors(t *testing.T) {
	m := mock.New(t)
	c := mockClient(t, m)
	tests := []struct {
		name  string
		ctx   context.Context
		c     *client.Client
		opts  client.PollOptions[eventBatch]
		path  string
		field string
	}{
		{"nil context", nil, c, client.PollOptions[eventBatch]{Hold: hold}, "/v1/events", "ctx"},
		{"nil client", context.Background(), nil, client.PollOptions[eventBatch]{Hold: hold}, "/v1/events", "client"},
		{"no hold", context.Background(), c, client.PollOptions[eventBatch]{}, "/v1/events", "Hold"},
		{"negative margin", context.Background(), c, client.PollOptions[eventBatch]{Hold: hold, Margin: -time.Second}, "/v1/events", "Margin"},
		{"bad path", context.Background(), c, client.PollOptions[eventBatch]{Hold: hold}, "v1/events", "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			for _, err := range client.Poll(tt.ctx, tt.c, "GET", tt.path, nil, tt.opts) {
				errs = append(errs, err)
			}
			var ie *client.InputError
			if len(errs) != 1 || !errors.As(errs[0], &ie) || ie.Field != tt.field {
				t.Fatalf("yielded %v, want one InputError on %s", errs, tt.field)
			}
		})
	}
	if n := len(m.Requests()); n != 0 {
		t.Fatalf("%d requests sent, want 0", n)
	}
}

// Poll through real HTTP on the loopback fake platform, which checks the
// session of every poll.
func TestPollAgainstTheFakePlatform(t *testing.T) {
	clk := mock.NewFakeClock()
	srv := mock.StartServer(t, mock.WithPlatformClock(clk))
	lp := mock.NewLongPoll(hold, idle)
	srv.On("GET", "/v1/events", lp.Reply())
	c, err := srv.NewClient(client.WithClock(clk), client.WithRandom(half))
	if err != nil {
		t.Fatal(err)
	}
	lp.Push(batch("c1", "a"), mock.Code(20008), batch("c2", "b"))
	var cursors []string
	for b, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold, Next: afterCursor}) {
		if err != nil {
			t.Fatal(err)
		}
		cursors = append(cursors, b.Cursor)
		if len(cursors) == 2 {
			break
		}
	}
	if len(cursors) != 2 || cursors[1] != "c2" || lp.Polls() != 3 || srv.Logins() != 1 {
		t.Fatalf("cursors %v, %d polls, %d logins; want c1 c2, 3, 1", cursors, lp.Polls(), srv.Logins())
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] < hold {
		t.Fatalf("sleeps %v, want one of at least %v", s, hold)
	}
}

// An open circuit breaker is waited out like a transient failure: Poll
// backs off, sending nothing while the breaker refuses, and the probe after
// OpenFor brings the events. (The breaker keeps real time, so the test runs
// in a synctest bubble.)
func TestPollWaitsOutAnOpenCircuitBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, lp := eventsEndpoint(t)
		c := mockClient(t, m, client.WithCircuitBreaker(client.BreakerConfig{}))
		lp.Push(mock.Code(503), mock.Code(503), mock.Code(503), mock.Code(503), mock.Code(503), batch("c1", "a"))
		start := time.Now()
		every := &retry.Backoff{Initial: time.Second, Multiplier: 1, Max: time.Second}
		for b, err := range client.Poll(t.Context(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold, Backoff: every}) {
			if err != nil || b.Cursor != "c1" {
				t.Fatalf("%+v, %v; want the batch and no error", b, err)
			}
			break
		}
		// Five 503s a second apart open the breaker at 4 s; it refuses the
		// polls until 30 s have passed (34 s included) without sending them;
		// the probe at 35 s gets the batch.
		if got := time.Since(start); lp.Polls() != 6 || got != 35*time.Second {
			t.Fatalf("%d polls, batch after %v; want 6 polls and the batch after 35s", lp.Polls(), got)
		}
	})
}

// No goroutine of Poll's outlives the loop, through real HTTP: after break
// (and the client's Close for its idle connections) only what ran before
// is left.
func TestPollLeavesNoGoroutineBehind(t *testing.T) {
	clk := mock.NewFakeClock()
	srv := mock.StartServer(t, mock.WithPlatformClock(clk))
	lp := mock.NewLongPoll(hold, idle)
	srv.On("GET", "/v1/events", lp.Reply())
	c, err := srv.NewClient(client.WithClock(clk), client.WithRandom(half))
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	lp.Push(batch("c1", "a"), mock.Code(20008), mock.Code(503), batch("c2", "b"))
	n := 0
	for _, err := range client.Poll(context.Background(), c, "GET", "/v1/events", nil, client.PollOptions[eventBatch]{Hold: hold, Next: afterCursor}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	c.Close()
	goleak.VerifyNone(t, before)
	if lp.Polls() != 4 {
		t.Fatalf("Polls() = %d, want 4", lp.Polls())
	}
}
