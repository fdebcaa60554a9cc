package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPatternRouteAnswersScriptedRepliesThenItsFunc(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			p, base, c, a := fl.start(t, WithNotFound(Code(404)))
			var calls atomic.Int32
			p.On("GET", "/v1/devices/{id}",
				Code(20005).Times(2),
				Func(func(r *Request) Reply {
					calls.Add(1)
					return OK(map[string]string{"DeviceId": r.PathValue("id"), "Missing": r.PathValue("nope")})
				}),
			)
			p.On("GET", "/v1/files/{rest...}", Func(func(r *Request) Reply {
				return OK(map[string]string{"Rest": r.PathValue("rest")})
			}))
			for i, want := range []struct{ path, code, id string }{
				{"/v1/devices/cam-1", "20005", ""},
				{"/v1/devices/cam-2", "20005", ""},
				{"/v1/devices/cam-3", "", "cam-3"},
				{"/v1/devices/cam-4?verbose=1", "", "cam-4"},
				{"/v1/devices/cam-5/channels", "404", ""},
				{"/v1/devices", "404", ""},
			} {
				got := do(t, c, "GET", base+want.path, a, nil)
				if fmt.Sprint(got.code()) != cmpOr(want.code, "0") || got.response()["DeviceId"] != nilOr(want.id) {
					t.Errorf("request %d, %s: %v; want code %q, DeviceId %q", i+1, want.path, got, want.code, want.id)
				}
				if want.id != "" && got.response()["Missing"] != "" {
					t.Errorf("PathValue of an unknown wildcard = %v, want \"\"", got.response()["Missing"])
				}
			}
			if got := do(t, c, "GET", base+"/v1/files/2026/12/rec.mp4", a, nil).response()["Rest"]; got != "2026/12/rec.mp4" {
				t.Errorf("{rest...} = %v", got)
			}
			if calls.Load() != 2 {
				t.Errorf("the Func ran %d times, want 2", calls.Load())
			}
			p.AssertCalls(t, "GET", "/v1/devices/{id}", 4)
			p.AssertCalls(t, "GET", "/v1/devices/cam-3", 1)
			p.AssertCalls(t, "GET", "/v1/files/{rest...}", 1)
			reqs := p.Requests()
			if len(reqs) != 7 {
				t.Fatalf("%d requests recorded, want 7", len(reqs))
			}
			third := reqs[2]
			if third.Pattern != "GET /v1/devices/{id}" || third.PathValue("id") != "cam-3" || third.Path != "/v1/devices/cam-3" {
				t.Errorf("third request: Pattern %q, PathValue(id) %q, Path %q", third.Pattern, third.PathValue("id"), third.Path)
			}
			if reqs[4].Pattern != "" || reqs[4].Code != 404 {
				t.Errorf("an unmatched request: Pattern %q, Code %d; want none, 404", reqs[4].Pattern, reqs[4].Code)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// nilOr is what response()[key] holds for a wanted string: nil for "".
func nilOr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestMatchersPickTheRouteOfAPattern(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			p, base, c, a := fl.start(t, WithNotFound(Code(404)))
			p.OnMatch("GET", "/v1/devices", QueryIs("type", "camera"), OK(map[string]string{"Kind": "cameras"}))
			p.OnMatch("GET", "/v1/devices", QueryIs("type", "nvr"), OK(map[string]string{"Kind": "nvrs"}))
			p.On("GET", "/v1/devices", OK(map[string]string{"Kind": "all"}))
			p.OnMatch("POST", "/v1/commands",
				HeaderIs("X-Tenant", "t1").And(JSONBodyHas(map[string]any{"DeviceId": "cam-7", "Args": map[string]any{"Speed": 2}})),
				OK(map[string]string{"Kind": "command"}))
			p.OnMatch("POST", "/v1/commands", MatchFunc("an empty body", func(r *Request) bool { return len(r.Body) == 0 }),
				Code(400))

			for i, tt := range []struct {
				method, path string
				hdr          []string
				body         string
				kind         string
				code         int
			}{
				{"GET", "/v1/devices?type=camera", nil, "", "cameras", 0},
				{"GET", "/v1/devices?type=nvr&page=2", nil, "", "nvrs", 0},
				{"GET", "/v1/devices?type=doorbell&type=camera", nil, "", "cameras", 0},
				{"GET", "/v1/devices", nil, "", "all", 0},
				{"POST", "/v1/commands", []string{"X-Tenant", "t1"}, `{"DeviceId":"cam-7","Args":{"Speed":2,"Tilt":1},"Op":"pan"}`, "command", 0},
				{"POST", "/v1/commands", []string{"X-Tenant", "t2"}, `{"DeviceId":"cam-7","Args":{"Speed":2}}`, "", 404},
				{"POST", "/v1/commands", []string{"X-Tenant", "t1"}, `{"DeviceId":"cam-7","Args":{"Speed":3}}`, "", 404},
				{"POST", "/v1/commands", []string{"X-Tenant", "t1"}, `not json`, "", 404},
				{"POST", "/v1/commands", nil, "", "", 400},
			} {
				var body []byte
				if tt.body != "" {
					body = []byte(tt.body)
				}
				got := do(t, c, tt.method, base+tt.path, a, body, tt.hdr...)
				if got.code() != tt.code || got.response()["Kind"] != nilOr(tt.kind) {
					t.Errorf("request %d, %s %s %s: %v; want code %d, Kind %q", i+1, tt.method, tt.path, tt.body, got, tt.code, tt.kind)
				}
			}
			p.AssertCalls(t, "GET", "/v1/devices", 4)
			p.AssertCalls(t, "POST", "/v1/commands", 5)
			if left := p.Unconsumed(); len(left) != 0 {
				t.Errorf("Unconsumed = %q", left)
			}
		})
	}
}

func TestOnMatchReplacesTheRouteWithTheSameMatcher(t *testing.T) {
	m := New(t)
	m.OnMatch("GET", "/v1/devices", QueryIs("type", "camera"), Code(20005))
	m.OnMatch("GET", "/v1/devices", QueryIs("type", "camera"), OK(map[string]int{"N": 1}))
	m.On("GET", "/v1/devices", OK(map[string]int{"N": 2}))
	m.On("GET", "/v1/devices", OK(map[string]int{"N": 3}))
	for _, tt := range []struct {
		path string
		n    float64
	}{{"/v1/devices?type=camera", 1}, {"/v1/devices", 3}} {
		if got := do(t, m.HTTPClient(), "GET", m.BaseURL()+tt.path, auth{}, nil).response()["N"]; got != tt.n {
			t.Errorf("%s: N = %v, want %v", tt.path, got, tt.n)
		}
	}
	if n := len(m.routes.list()); n != 3 {
		t.Errorf("%d routes, want 3 (the login, one with a matcher, one without)", n)
	}
}

func TestUnmatchedMatcherIsReportedWithTheRoutes(t *testing.T) {
	ft := newFakeTB(t)
	m := New(ft)
	m.OnMatch("GET", "/v1/devices", QueryIs("type", "camera"), OK(nil))
	got := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices?type=nvr", auth{}, nil)
	if got.status != 404 {
		t.Fatalf("got %v, want the Mock's 404", got)
	}
	errs := ft.errors()
	if len(errs) != 1 {
		t.Fatalf("%d failures, want 1: %q", len(errs), errs)
	}
	if !regexp.MustCompile(`^helpers_test\.go:\d+: mock: `).MatchString(errs[0]) {
		t.Errorf("failure not at the first test frame's line:\n%s", errs[0])
	}
	for _, want := range []string{"no route for GET https://devcloud.test/v1/devices (query ignored)",
		"scripted routes: GET /v1/devices [query type=camera], POST /v1/login"} {
		if !strings.Contains(errs[0], want) {
			t.Errorf("failure lacks %q:\n%s", want, errs[0])
		}
	}
}

func TestConflictingPatternsPanicNamingTheRoute(t *testing.T) {
	m := New(t)
	m.On("GET", "/v1/{kind}/list", OK(nil))
	defer func() {
		v := recover()
		if s, _ := v.(string); !strings.HasPrefix(s, "mock: On(GET /v1/devices/{id}): ") || !strings.Contains(s, "conflicts") {
			t.Errorf("panic %v, want one naming the route and the conflict", v)
		}
	}()
	m.On("GET", "/v1/devices/{id}", OK(nil))
	m.On("GET", "/v1/{kind}/{id}", OK(nil))
}

func TestFuncMistakesFailTheTest(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(*Request) Reply
		want string
	}{
		{"a Func returning a Func", func(*Request) Reply { return Func(func(*Request) Reply { return OK(nil) }) }, "a Func returned a Func"},
		{"a Func returning LoginOK", func(*Request) Reply { return LoginOK() }, "LoginOK, which answers only the login route"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTB(t)
			m := New(ft)
			m.On("GET", "/v1/x", Func(tt.fn))
			got := do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/x", auth{}, nil)
			if got.code() != 500 || !strings.Contains(ft.joined(), tt.want) || len(ft.errors()) != 1 {
				t.Errorf("got %v and failures %q; want a 500 and one failure naming %q", got, ft.errors(), tt.want)
			}
		})
	}
}

func TestFuncSeesTheRequest(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			p, base, c, a := fl.start(t)
			var seen []string
			p.On("POST", "/v1/devices/{id}/rename", Func(func(r *Request) Reply {
				var in struct{ Name string }
				if err := r.JSON(&in); err != nil {
					return Code(400)
				}
				seen = append(seen, fmt.Sprintf("%s %s %s %s %s", r.Method, r.Path, r.PathValue("id"), r.Query.Get("v"), in.Name))
				r.Body[0] = 'X' // the record keeps its own copy
				return OK(map[string]string{"Name": in.Name})
			}))
			got := do(t, c, "POST", base+"/v1/devices/cam-9/rename?v=2", a, []byte(`{"Name":"porch"}`))
			if got.response()["Name"] != "porch" {
				t.Fatalf("got %v", got)
			}
			want := "POST /v1/devices/cam-9/rename cam-9 2 porch"
			if len(seen) != 1 || seen[0] != want {
				t.Errorf("the Func saw %q, want [%q]", seen, want)
			}
			reqs := p.Requests()
			var body map[string]string
			if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil || body["Name"] != "porch" {
				t.Errorf("recorded body %q (%v)", reqs[len(reqs)-1].Body, err)
			}
		})
	}
}

func TestAWholePatternMayStandForMethodAndPath(t *testing.T) {
	m := New(t)
	m.On("", "DELETE /v1/devices/{id}", OK(nil))
	m.On("get", "GET /v1/devices/{id}", OK(nil))
	do(t, m.HTTPClient(), "DELETE", m.BaseURL()+"/v1/devices/cam-1", auth{}, nil)
	do(t, m.HTTPClient(), "GET", m.BaseURL()+"/v1/devices/cam-1", auth{}, nil)
	m.AssertCalls(t, "", "DELETE /v1/devices/{id}", 1)
	m.AssertCalls(t, "DELETE", "/v1/devices/{id}", 1)
	m.AssertCalls(t, "GET", "/v1/devices/{id}", 1)
	m.AssertCalls(t, "GET", "/v1/devices/cam-1", 1)
}

// Scripting a route while its requests are in flight is safe: each request
// gets the reply of one script or the other, and every one is recorded.
func TestRescriptingWhileRequestsAreInFlight(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			p, base, c, a := fl.start(t)
			p.On("GET", "/v1/devices/{id}", OK(map[string]int{"V": 0}))
			const workers, each = 4, 25
			var wg sync.WaitGroup
			var bad atomic.Int32
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						got, err := try(c, "GET", fmt.Sprintf("%s/v1/devices/d%d-%d", base, w, i), a, nil)
						if err != nil || got.status != 200 {
							bad.Add(1)
						}
					}
				}()
			}
			for v := 1; v <= 20; v++ {
				p.On("GET", "/v1/devices/{id}", OK(map[string]int{"V": v}))
				p.OnMatch("GET", "/v1/devices/{id}", QueryIs("v", fmt.Sprint(v)), OK(nil))
			}
			wg.Wait()
			if bad.Load() != 0 {
				t.Errorf("%d requests failed", bad.Load())
			}
			p.AssertCalls(t, "GET", "/v1/devices/{id}", workers*each)
		})
	}
}

// The methods of the shared platform behave alike in both flavours:
// ExpectAllConsumed, once new on the Server, and Reset, once new on the Mock.
func TestBothFlavoursShareExpectAllConsumedAndReset(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(ft *fakeTB) (*platform, string, *http.Client, auth)
	}{
		{"Server", func(ft *fakeTB) (*platform, string, *http.Client, auth) {
			srv := StartServer(ft)
			tok, csrf := srv.IssueSession()
			return &srv.platform, srv.URL, plainClient(t, 0), auth{tok, csrf}
		}},
		{"Mock", func(ft *fakeTB) (*platform, string, *http.Client, auth) {
			m := New(ft)
			return &m.platform, m.BaseURL(), m.HTTPClient(), auth{}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeTB(t)
			defer ft.runCleanups()
			p, base, c, a := tt.start(ft)
			p.ExpectAllConsumed()
			p.On("GET", "/v1/devices/{id}", Code(20005).Times(2), OK(nil))
			do(t, c, "GET", base+"/v1/devices/a", a, nil)
			if left := p.Unconsumed(); len(left) != 1 || !strings.Contains(left[0], "GET /v1/devices/{id}: 1 of 3 scripted replies used") {
				t.Errorf("Unconsumed = %q", left)
			}
			p.Reset()
			if n := len(p.Requests()); n != 0 || p.Count("GET", "/v1/devices/{id}") != 0 || len(p.Unconsumed()) != 0 {
				t.Errorf("after Reset: %d requests, %q unconsumed", n, p.Unconsumed())
			}
			p.On("GET", "/v1/devices/{id}", OK(nil), Code(20005))
			do(t, c, "GET", base+"/v1/devices/b", a, nil)
			login := do(t, c, "POST", base+DefaultLoginPath, auth{}, LoginBody(DefaultAppID, DefaultSecret, time.Now(), "after-reset"))
			if login.code() != 0 {
				t.Errorf("the login after Reset: %v, want LoginOK's session", login)
			}
			p.AssertLogins(t, 1)
			ft.runCleanups()
			if errs := ft.errors(); len(errs) != 1 || !strings.Contains(errs[0], "GET /v1/devices/{id}: 1 of 2 scripted replies used (ok, error 20005)") {
				t.Errorf("failures at cleanup %q, want the one unconsumed script", errs)
			}
		})
	}
}
