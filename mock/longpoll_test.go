package mock

import (
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// pollOnce sends one GET and returns its answer, or the error.
func pollOnce(ctx context.Context, c *http.Client, url string) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func TestLongPollHoldsUntilPushThenAnswersIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New(t)
		lp := NewLongPoll(30*time.Second, OK(map[string]any{"Events": []string{}}))
		m.On("GET", "/v1/events", lp.Reply())
		start := time.Now()
		got := make(chan *answer)
		go func() {
			a, err := pollOnce(t.Context(), m.HTTPClient(), m.BaseURL()+"/v1/events")
			if err != nil {
				t.Error(err)
			}
			got <- a
		}()
		synctest.Wait() // the poll is held
		if lp.Polls() != 1 {
			t.Fatalf("Polls() = %d while held, want 1", lp.Polls())
		}
		lp.Push(OK(map[string]any{"Events": []string{"door opened"}}))
		a := <-got
		if ev := a.response()["Events"].([]any); len(ev) != 1 || ev[0] != "door opened" {
			t.Fatalf("answer %s, want the pushed event", a.body)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("answered after %v, want at once when pushed", d)
		}
		if lp.Conflicts() != 0 || lp.MaxInFlight() != 1 || lp.Queued() != 0 {
			t.Fatalf("Conflicts %d, MaxInFlight %d, Queued %d; want 0, 1, 0", lp.Conflicts(), lp.MaxInFlight(), lp.Queued())
		}
	})
}

func TestLongPollAnswersIdleWhenTheHoldEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New(t)
		lp := NewLongPoll(30*time.Second, OK(map[string]any{"Events": []string{}}).WithRequestID("idle"))
		m.On("GET", "/v1/events", lp.Reply())
		start := time.Now()
		a, err := pollOnce(t.Context(), m.HTTPClient(), m.BaseURL()+"/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 30*time.Second || a.response()["RequestId"] != "idle" {
			t.Fatalf("after %v: %s; want the idle answer after 30s", d, a.body)
		}
	})
}

func TestLongPollRefusesASecondOpenPollWith20008(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New(t)
		lp := NewLongPoll(30*time.Second, OK(nil))
		m.On("GET", "/v1/events", lp.Reply())
		first := make(chan *answer)
		go func() {
			a, _ := pollOnce(t.Context(), m.HTTPClient(), m.BaseURL()+"/v1/events")
			first <- a
		}()
		synctest.Wait()
		second, err := pollOnce(t.Context(), m.HTTPClient(), m.BaseURL()+"/v1/events")
		if err != nil || second.code() != 20008 {
			t.Fatalf("second poll: %v %v, want 20008", second, err)
		}
		lp.Push(OK(map[string]any{"N": 1}))
		if a := <-first; a.response()["N"] != float64(1) {
			t.Fatalf("first poll got %s", a.body)
		}
		if lp.Polls() != 2 || lp.Conflicts() != 1 || lp.MaxInFlight() != 2 {
			t.Fatalf("Polls %d, Conflicts %d, MaxInFlight %d; want 2, 1, 2", lp.Polls(), lp.Conflicts(), lp.MaxInFlight())
		}
	})
}

// A client that gives up before the hold ends leaves its poll open on the
// platform: the next poll within the hold is a 20008, one after it is not.
func TestLongPollKeepsAnAbandonedPollOpenUntilItsHoldEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := NewFakeClock()
		m := New(t, WithPlatformClock(clk))
		lp := NewLongPoll(30*time.Second, OK(nil))
		m.On("GET", "/v1/events", lp.Reply())
		url := m.BaseURL() + "/v1/events"

		ctx, cancel := context.WithCancel(t.Context())
		go pollOnce(ctx, m.HTTPClient(), url)
		synctest.Wait() // held
		cancel()        // the client gives up; the endpoint holds the poll all the same
		synctest.Wait()

		clk.Advance(29 * time.Second)
		if a, err := pollOnce(t.Context(), m.HTTPClient(), url); err != nil || a.code() != 20008 {
			t.Fatalf("poll 29s later: %v %v, want 20008", a, err)
		}
		clk.Advance(time.Second)
		lp.Push(OK(map[string]any{"N": 2}))
		if a, err := pollOnce(t.Context(), m.HTTPClient(), url); err != nil || a.response()["N"] != float64(2) {
			t.Fatalf("poll 30s later: %v %v, want the pushed answer", a, err)
		}
		if lp.Polls() != 3 || lp.Conflicts() != 1 {
			t.Fatalf("Polls %d, Conflicts %d; want 3, 1", lp.Polls(), lp.Conflicts())
		}
	})
}

func TestLongPollOnTheServer(t *testing.T) {
	srv := StartServer(t)
	lp := NewLongPoll(time.Minute, OK(nil))
	srv.On("GET", "/v1/events", lp.Reply())
	token, csrf := srv.IssueSession()
	lp.Push(OK(map[string]any{"N": 1}), Code(20008))
	for i, want := range []int{0, 20008} {
		a := do(t, http.DefaultClient, "GET", srv.URL+"/v1/events", auth{token, csrf}, nil)
		if a.code() != want {
			t.Fatalf("poll %d: %s, want code %d", i+1, a.body, want)
		}
	}
	if lp.Polls() != 2 || lp.Conflicts() != 0 {
		t.Fatalf("Polls %d, Conflicts %d; want 2, 0 (a pushed 20008 is no conflict)", lp.Polls(), lp.Conflicts())
	}
}

// A Server that closes ends its held polls at once (Close waits for every
// handler), with the idle answer.
func TestLongPollHeldPollEndsWhenTheServerCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lp := NewLongPoll(time.Hour, OK(nil).WithRequestID("idle"))
		closing := make(chan struct{})
		got := make(chan Reply)
		go func() { got <- lp.replyTo(t.Context(), time.Now(), closing) }()
		synctest.Wait()
		start := time.Now()
		close(closing)
		if r := <-got; r.requestID != "idle" || time.Since(start) != 0 {
			t.Fatalf("answered %v after %v, want the idle answer at once", r, time.Since(start))
		}
	})
}
