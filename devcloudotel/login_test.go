package devcloudotel_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

func TestReloginStormIsOneLoginSpanThatWaitersLinkTo(t *testing.T) {
	const callers = 200
	rec := record(t)
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient(rec.option())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		t.Fatal(err)
	}
	warm := len(rec.spans.Ended())

	srv.InvalidateSessions() // the shared session's next requests get 10001
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() { errs <- c.Do(context.Background(), "GET", "/v1/devices", nil, nil) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Logins(); got != 2 {
		t.Fatalf("server saw %d logins, want 2 (warm-up and storm)", got)
	}
	rejected := 0
	for _, r := range srv.Requests() {
		if r.Code == 10001 {
			rejected++
		}
	}
	if rejected == 0 {
		t.Fatal("no request met 10001: no storm")
	}

	storm := rec.spans.Ended()[warm:]
	var logins []trace.SpanContext
	for _, s := range storm {
		if s.SpanKind() != trace.SpanKindClient && strings.Contains(s.Name(), "login") {
			logins = append(logins, s.SpanContext())
			if s.SpanKind() != trace.SpanKindInternal {
				t.Errorf("login span kind %v, want INTERNAL", s.SpanKind())
			}
		}
	}
	if len(logins) != 1 {
		t.Fatalf("%d login spans in the storm, want 1", len(logins))
	}
	loginSpan := logins[0]
	if posts := children(storm, loginSpan, trace.SpanKindClient); len(posts) != 1 || posts[0].Name() != "POST" {
		t.Errorf("login span has %d CLIENT children, want its one POST", len(posts))
	}

	// A call whose request met 10001 has two CLIENT spans, the 10001 and
	// its replay; one that waited for the login before sending has one.
	calls := named(storm, "devcloud GET")
	if len(calls) != callers {
		t.Fatalf("%d call spans, want %d", len(calls), callers)
	}
	linked, replayed := 0, 0
	for _, s := range calls {
		for _, l := range s.Links() {
			if l.SpanContext.SpanID() != loginSpan.SpanID() {
				t.Errorf("call span links to %v, not the login span", l.SpanContext.SpanID())
			}
			linked++
		}
		switch n := len(children(storm, s.SpanContext(), trace.SpanKindClient)); n {
		case 1:
		case 2:
			replayed++
		default:
			t.Errorf("call span has %d CLIENT children, want 1 or 2", n)
		}
	}
	if replayed != rejected {
		t.Errorf("%d calls have a replay span, want one per 10001 answered (%d)", replayed, rejected)
	}
	if linked == 0 || linked > callers {
		t.Errorf("%d calls link to the login span, want between 1 and %d", linked, callers)
	}
	t.Logf("%d callers, %d requests met 10001, 1 login span, %d calls waited for it and link to it", callers, rejected, linked)
}

func TestFailedLoginSpanCarriesItsErrorType(t *testing.T) {
	rec := record(t)
	srv := mock.StartServer(t)
	srv.OnLogin(mock.Code(10003))
	c, err := srv.NewClient(rec.option())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil, client.NoRetry()); err == nil {
		t.Fatal("Do succeeded, want the login's 10003")
	}
	logins := named(rec.spans.Ended(), "devcloud.login")
	if len(logins) != 1 {
		t.Fatalf("%d login spans, want 1", len(logins))
	}
	if v, _ := attr(logins[0], "error.type"); v.AsString() != "10003" {
		t.Errorf("login span error.type = %q, want 10003", v.AsString())
	}
	call := named(rec.spans.Ended(), "devcloud GET")
	if len(call) != 1 || call[0].SpanContext().SpanID() != logins[0].Parent().SpanID() {
		t.Errorf("the login span is not a child of the call that started it")
	}
	if v, _ := attr(call[0], "devcloud.attempts"); v.AsInt64() != 0 {
		t.Errorf("call span devcloud.attempts = %d, want 0: no request was sent", v.AsInt64())
	}
}
