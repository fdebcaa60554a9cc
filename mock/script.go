package mock

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// Exhausted ends a script: once every reply before it has answered, the next
// request of the route is a test failure (t.Errorf on the Mock, or on a
// Server from StartServer) and is answered with Code(501), a code the SDK
// does not retry. Without it, a script's last reply repeats forever.
// It must be the last reply of a script.
func Exhausted() Reply {
	return Reply{kind: KindExhausted}
}

// script answers the requests of one route in order: each reply answers
// count() requests, then the last one repeats (or Exhausted fails).
type script struct {
	replies []Reply
	calls   int
	// optional scripts (the Mock's default login) are never unconsumed.
	optional bool
}

func newScript(where string, replies []Reply, login bool) *script {
	if len(replies) == 0 {
		panic("mock: " + where + " needs at least one Reply")
	}
	for i, r := range replies {
		if r.kind == KindExhausted && i != len(replies)-1 {
			panic("mock: " + where + ": Exhausted must be the last Reply")
		}
		if r.kind == KindLogin && !login {
			panic("mock: " + where + ": LoginOK answers only the login route")
		}
	}
	return &script{replies: append([]Reply(nil), replies...)}
}

// next returns the reply for the next request.
func (s *script) next() Reply {
	pos := s.calls
	s.calls++
	for _, r := range s.replies {
		if pos < r.count() {
			return r
		}
		pos -= r.count()
	}
	return s.replies[len(s.replies)-1]
}

// length is how many requests the script expects before it repeats or
// fails: the sum of its replies' counts, Exhausted excluded.
func (s *script) length() int {
	n := 0
	for _, r := range s.replies {
		if r.kind != KindExhausted {
			n += r.count()
		}
	}
	return n
}

type routeKey struct{ method, path string }

func (k routeKey) String() string { return k.method + " " + k.path }

// routes holds the scripts of one flavour, keyed by method and exact path.
type routes struct {
	mu sync.Mutex
	m  map[routeKey]*script
}

func newRoutes() *routes { return &routes{m: make(map[routeKey]*script)} }

func (rs *routes) set(k routeKey, s *script) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.m[k] = s
}

// next returns the next reply of k's script; ok is false when k has none.
func (rs *routes) next(k routeKey) (r Reply, ok bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s := rs.m[k]
	if s == nil {
		return Reply{}, false
	}
	return s.next(), true
}

func (rs *routes) reset() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	clear(rs.m)
}

// keys lists the scripted routes, sorted by path then method.
func (rs *routes) keys() []routeKey {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	ks := make([]routeKey, 0, len(rs.m))
	for k := range rs.m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].path != ks[j].path {
			return ks[i].path < ks[j].path
		}
		return ks[i].method < ks[j].method
	})
	return ks
}

// unconsumed describes the scripts with replies that never answered.
func (rs *routes) unconsumed() []string {
	var out []string
	for _, k := range rs.keys() {
		rs.mu.Lock()
		s := rs.m[k]
		calls, want := s.calls, s.length()
		rs.mu.Unlock()
		if calls < want && !s.optional {
			out = append(out, fmt.Sprintf("%s: %d of %d scripted replies used (%s)", k, calls, want, describe(s.replies)))
		}
	}
	return out
}

func describe(replies []Reply) string {
	parts := make([]string, len(replies))
	for i, r := range replies {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

func key(method, path string) routeKey {
	if method == "" {
		method = http.MethodGet
	}
	return routeKey{method: strings.ToUpper(method), path: cleanPath(path)}
}

// cleanPath drops a query and makes sure the path starts with "/".
func cleanPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}
