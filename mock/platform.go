package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// platform is what both flavours share: their options, the scripted
// routes, the record of every request they answered and the test they
// report to. Its exported methods are the Server's and the Mock's, written
// once.
type platform struct {
	cfg    config
	tb     TB // nil: failures are only answers
	routes *routes
	rec    *recorder
	prefix string // the path of the Mock's base URL; "" for the Server

	mu      sync.Mutex
	skew    time.Duration
	checked bool // ExpectAllConsumed registered its cleanup
}

// init sets up a flavour's platform with its options.
func (p *platform) init(cfg config) {
	p.cfg, p.routes, p.rec, p.skew = cfg, newRoutes(), newRecorder(), cfg.clockSkew
	p.scriptDefaultLogin()
}

// scriptDefaultLogin scripts the login route with LoginOK, a script that
// never counts as unconsumed.
func (p *platform) scriptDefaultLogin() {
	login := newScript("OnLogin", []Reply{LoginOK()}, true)
	login.optional = true
	p.routes.add(http.MethodPost, p.cfg.loginPath, Matcher{}, login)
}

// On scripts a route: the replies answer its requests in order (a reply
// with Times(n) answers n of them), then the last reply repeats, or with
// Exhausted last, any further request fails the test.
//
// path is a path pattern of [http.ServeMux]: "/v1/devices" matches that
// path only, "/v1/devices/{id}" has a wildcard the route's requests carry
// as Request.PathValue("id") (read it in a [Func]), "/v1/files/{rest...}"
// matches the rest of the path, and a pattern ending in "/" matches every
// path below it. The most specific pattern wins, as in ServeMux, and two
// patterns ServeMux finds in conflict panic. An empty method is GET, and
// GET also matches HEAD; with an empty method, path may be the whole
// pattern, On("", "GET /v1/devices/{id}", ...). The query never takes part
// in the path; match on it with OnMatch and QueryIs. On replaces the script
// of the same pattern (without a Matcher) and starts the new one from its
// first reply.
//
// Scripting the login route (POST on the login path) replaces its default
// script, LoginOK(); see OnLogin. A scripted 10001 ends the calling session
// and a scripted 10002 expires it, as the platform would, so the caller's
// next request needs a new login.
func (p *platform) On(method, path string, replies ...Reply) {
	p.OnMatch(method, path, Matcher{}, replies...)
}

// OnMatch is On for the requests of the pattern that m matches too: a
// query parameter (QueryIs), a header (HeaderIs), members of a JSON body
// (JSONBodyHas), or any function of the Request (MatchFunc), combined with
// Matcher.And. Of the routes of one pattern, those with a Matcher are tried
// first, in the order they were added, and the route without one answers
// the rest; when none accepts a request, it is a request to a route nobody
// scripted. OnMatch replaces the route of the same pattern whose Matcher
// has the same description.
//
//	m.OnMatch("GET", "/v1/devices", mock.QueryIs("type", "camera"), mock.OK(cameras))
//	m.On("GET", "/v1/devices", mock.OK(everything))
func (p *platform) OnMatch(method, path string, m Matcher, replies ...Reply) {
	method, path = routePattern(method, path)
	login := method == http.MethodPost && path == p.cfg.loginPath
	where := "On(" + method + " " + path + ")"
	if m.fn != nil {
		where = "OnMatch(" + method + " " + path + " [" + m.String() + "])"
	}
	p.routes.add(method, path, m, newScript(where, replies, login && m.fn == nil))
}

// OnLogin scripts the login route; LoginOK() in the script runs the real
// checks and issues a session. For example OnLogin(Code(10004).Times(2),
// LoginOK()) refuses two logins, then logs in normally.
func (p *platform) OnLogin(replies ...Reply) {
	p.On(http.MethodPost, p.cfg.loginPath, replies...)
}

// Requests returns a copy of every request answered, in arrival order:
// scripted or not, refused by a session check or answered by a responder
// of Mock.Transport.
func (p *platform) Requests() []Request { return p.rec.all() }

// Count returns how many requests of method went to path, whatever they
// were answered (session failures included). path may also be the pattern
// of a route ("/v1/devices/{id}"): then every request that route answered
// counts.
func (p *platform) Count(method, path string) int { return p.rec.count(method, path) }

// Logins returns how many logins succeeded (sessions issued by a login
// request; Server.IssueSession does not count).
func (p *platform) Logins() int {
	n, _ := p.rec.loginCounts()
	return n
}

// LoginAttempts returns how many requests reached the login route.
func (p *platform) LoginAttempts() int {
	_, n := p.rec.loginCounts()
	return n
}

// AssertCalls reports whether method and path (or a route's pattern, as in
// Count) were called exactly n times; when not, it fails t at the caller's
// line with a table of what was called.
func (p *platform) AssertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	return p.rec.assertCalls(t, method, path, n)
}

// AssertLogins reports whether exactly n logins succeeded; when not, it
// fails t at the caller's line with a table of what was called.
func (p *platform) AssertLogins(t TB, n int) bool {
	t.Helper()
	return p.rec.assertLogins(t, n)
}

// Unconsumed lists the scripts with replies that have not answered yet.
func (p *platform) Unconsumed() []string { return p.routes.unconsumed() }

// ExpectAllConsumed makes the test fail at its cleanup if some script still
// has replies that never answered (the default login script never counts).
// It needs the test given to New or StartServer.
func (p *platform) ExpectAllConsumed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.checked || p.tb == nil {
		return
	}
	p.checked = true
	p.tb.Cleanup(func() {
		if left := p.Unconsumed(); len(left) > 0 {
			p.tb.Errorf("mock: scripted replies never used:\n  %s\n%s", strings.Join(left, "\n  "), p.rec.calls())
		}
	})
}

// Reset forgets the recorded requests, the login counts and every script
// (the login route goes back to LoginOK). Sessions, apps and options stay,
// so a client keeps its session across a Reset.
func (p *platform) Reset() {
	p.routes.reset()
	p.rec.reset()
	p.scriptDefaultLogin()
}

// SetClockSkew sets the platform's clock to its base clock (the real one,
// or WithPlatformClock's) plus d, as WithClockSkew, from the next request
// on. It shows in the Date header; the Server checks login timestamps
// against it.
func (p *platform) SetClockSkew(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.skew = d
}

// Now returns the platform's clock: the base clock plus the skew.
func (p *platform) Now() time.Time {
	base, skew := p.clock()
	return base.Add(skew)
}

// clock returns the base clock's time and the skew.
func (p *platform) clock() (time.Time, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg.now(), p.skew
}

// begin starts the record of a request whose body was read.
func (p *platform) begin(req *http.Request, body []byte) (Request, time.Time, time.Duration) {
	base, skew := p.clock()
	rec := newRequest(req, body, &p.cfg, base)
	if p.prefix != "" && strings.HasPrefix(rec.Path, p.prefix+"/") {
		rec.Path = strings.TrimPrefix(rec.Path, p.prefix)
		rec.Login = rec.Method == http.MethodPost && rec.Path == p.cfg.loginPath
	}
	return rec, base, skew
}

// resolve turns a Func's or a LongPoll's reply into the reply it computes;
// closing ends a long poll early (nil: never).
func (p *platform) resolve(ctx context.Context, rep Reply, rec *Request, base time.Time, closing <-chan struct{}) Reply {
	if rep.fn != nil {
		r := rec.clone()
		rep = rep.fn(&r)
		if rep.fn != nil {
			return p.misuse(rec, "a Func returned a Func")
		}
	}
	if rep.poll != nil {
		rep = rep.poll.replyTo(ctx, base, closing)
	}
	if rep.file != nil && rep.part == nil {
		delay, gate := rep.delay, rep.gate
		rep = rep.file.replyTo(rec)
		rep.delay, rep.gate = delay, gate
	}
	if rep.kind == KindLogin && !rec.Login {
		return p.misuse(rec, "a Func returned LoginOK, which answers only the login route")
	}
	return rep
}

// misuse fails the test for a mistake in a script and answers Code(500).
func (p *platform) misuse(rec *Request, what string) Reply {
	msg := fmt.Sprintf("mock: %s %s: %s", rec.Method, rec.Path, what)
	p.fail("%s", msg)
	return Code(http.StatusInternalServerError).WithMessage(msg)
}

// record completes rec with the reply that goes out and keeps it, then
// returns that reply and its wire form.
func (p *platform) record(rec *Request, rep Reply, date time.Time) (Reply, wireReply) {
	out, w := p.finish(rec, rep, date)
	*rec = p.rec.add(*rec)
	return out, w
}

// finish completes rec with the reply that goes out and returns that reply
// and its wire form. A reply past Exhausted fails the test and goes out as
// Code(501), a code the SDK does not retry.
func (p *platform) finish(rec *Request, rep Reply, date time.Time) (Reply, wireReply) {
	out := rep
	if rep.kind == KindExhausted {
		what := fmt.Sprintf("%s %s called after its script was exhausted", rec.Method, rec.Path)
		msg := "mock: " + what
		p.failAt(callerLine(), what+"; calls so far:\n"+p.rec.table())
		out = Code(codeExhausted).WithMessage(msg)
	}
	w := out.wire(date)
	rec.Reply = rep.kind
	if out.kind == KindError {
		rec.Code = out.code
	}
	if rep.kind.sendsStatus() {
		rec.Status = w.status
	}
	return out, w
}

// notFound is the reply to a request no route answers, and the failure
// message when it is the test's mistake ("" when WithNotFound set it).
func (p *platform) notFound(u *url.URL, method string) (Reply, string) {
	if p.cfg.notFound != nil {
		return *p.cfg.notFound, ""
	}
	what := fmt.Sprintf("no route for %s %s (query ignored); scripted routes: %s", method, redactedURL(u), p.routes.describe())
	return Code(http.StatusNotFound).WithMessage("mock: " + what), what
}

// failAt reports a failure of the test's line ("x_test.go:42: ", or ""
// when unknown). testing would report Errorf at the mock's own line, deep
// under the SDK and net/http, so a test that has Output (testing.TB does)
// gets the failure written there at its own line, as Errorf would have
// written it, then Fail; any other TB gets Errorf, the line in the message.
func (p *platform) failAt(line, msg string) {
	o, ok := p.tb.(outputTB)
	if !ok || line == "" {
		p.fail("mock: %s%s", line, msg)
		return
	}
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n    ")
	fmt.Fprintf(o.Output(), "%smock: %s\n", line, msg)
	o.Fail()
}

// outputTB is a TB that can write to the test's output, as testing.TB can.
type outputTB interface {
	Output() io.Writer
	Fail()
}

// fail reports a failure to the test the flavour belongs to, if any.
func (p *platform) fail(format string, args ...any) {
	if p.tb != nil {
		p.tb.Errorf(format, args...)
	}
}

// callerLine returns "file_test.go:42: ", the line of the first _test.go
// frame on the stack: the test's own line that made the request, however
// deep in the SDK and net/http the request is now. It returns "" when no
// test frame is on the stack.
func callerLine() string {
	pcs := make([]uintptr, 64)
	return testLine(pcs[:runtime.Callers(2, pcs)])
}

// testLine is callerLine of the stack pcs.
func testLine(pcs []uintptr) string {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "_test.go") {
			return fmt.Sprintf("%s:%d: ", filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}
