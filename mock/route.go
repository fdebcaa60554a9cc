package mock

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// route is one scripted route: a ServeMux pattern, an optional Matcher and
// the script that answers the requests both accept.
type route struct {
	pattern string // "GET /v1/devices/{id}", as ServeMux takes it
	path    string // "/v1/devices/{id}"
	method  string
	match   Matcher // the zero Matcher accepts every request
	script  *script
}

// String is "GET /v1/devices/{id}", with the matcher when there is one:
// "GET /v1/devices [query type=camera]".
func (r *route) String() string {
	if r.match.fn == nil {
		return r.pattern
	}
	return r.pattern + " [" + r.match.String() + "]"
}

// routes holds the scripted routes of one flavour. Paths are matched by an
// http.ServeMux, so patterns, wildcards, precedence and conflicts are the
// standard library's; the routes of one pattern are then tried in the order
// they were added, those with a Matcher first.
type routes struct {
	mu        sync.Mutex
	mux       *http.ServeMux
	byPattern map[string][]*route
}

func newRoutes() *routes {
	return &routes{mux: http.NewServeMux(), byPattern: make(map[string][]*route)}
}

// routeHit is where the ServeMux handler of a pattern reports the match.
type routeHit struct {
	pattern string
	values  map[string]string
}

type routeHitKey struct{}

// add scripts a route; a route with the same pattern and an equal Matcher
// (by its description) is replaced, and starts over.
// The list of a pattern is copied, never changed in place, as find reads
// it without the lock.
func (rs *routes) add(method, path string, m Matcher, s *script) {
	method, path = routePattern(method, path)
	pattern := method + " " + path
	r := &route{pattern: pattern, path: path, method: method, match: m, script: s}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	list, known := rs.byPattern[pattern]
	if !known {
		rs.register(pattern, path)
	}
	list = slices.Clone(list)
	for i, old := range list {
		if old.match.String() == m.String() && (old.match.fn == nil) == (m.fn == nil) {
			list[i] = r
			rs.byPattern[pattern] = list
			return
		}
	}
	rs.byPattern[pattern] = append(list, r)
}

// register adds pattern to the ServeMux; its handler reports the match and
// the path values of the pattern's wildcards.
func (rs *routes) register(pattern, path string) {
	names := wildcards(path)
	defer func() {
		if v := recover(); v != nil {
			panic(fmt.Sprintf("mock: On(%s): %v", pattern, v))
		}
	}()
	rs.mux.HandleFunc(pattern, func(_ http.ResponseWriter, r *http.Request) {
		hit := r.Context().Value(routeHitKey{}).(*routeHit)
		hit.pattern = pattern
		if len(names) > 0 {
			hit.values = make(map[string]string, len(names))
			for _, n := range names {
				hit.values[n] = r.PathValue(n)
			}
		}
	})
}

// wildcards returns the names of a pattern's wildcards: "id" for
// "/v1/devices/{id}", "rest" for "/v1/files/{rest...}".
func wildcards(path string) []string {
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			return names
		}
		name := strings.TrimSuffix(path[i+1:i+j], "...")
		if name != "$" && name != "" {
			names = append(names, name)
		}
		path = path[i+j+1:]
	}
}

// find returns the route that answers rec, setting rec's Pattern and path
// values, or nil. req is the request as it arrived; rec.Path is its path
// relative to the flavour's base URL.
func (rs *routes) find(req *http.Request, rec *Request) *route {
	hit := &routeHit{}
	probe := req.WithContext(context.WithValue(req.Context(), routeHitKey{}, hit))
	u := *req.URL
	u.Path, u.RawPath = rec.Path, ""
	probe.URL = &u
	rs.mu.Lock()
	mux := rs.mux
	rs.mu.Unlock()
	mux.ServeHTTP(discard{}, probe)
	if hit.pattern == "" {
		return nil
	}
	rs.mu.Lock()
	list := rs.byPattern[hit.pattern]
	rs.mu.Unlock()
	var fallback *route
	for _, r := range list {
		if r.match.fn == nil {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		if r.match.fn(rec) {
			rec.Pattern, rec.pathValues = hit.pattern, hit.values
			return r
		}
	}
	if fallback != nil {
		rec.Pattern, rec.pathValues = hit.pattern, hit.values
	}
	return fallback
}

// discard is the ResponseWriter of the ServeMux probe: only the match
// counts, nothing is written.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// next returns the next reply of r's script.
func (rs *routes) next(r *route) Reply {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return r.script.next()
}

// exact returns the route of pattern without a Matcher, or nil.
func (rs *routes) exact(method, path string) *route {
	method, path = routePattern(method, path)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, r := range rs.byPattern[method+" "+path] {
		if r.match.fn == nil {
			return r
		}
	}
	return nil
}

func (rs *routes) reset() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.mux = http.NewServeMux()
	clear(rs.byPattern)
}

// list returns the scripted routes, sorted by path, then method, then
// matcher.
func (rs *routes) list() []*route {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []*route
	for _, l := range rs.byPattern {
		out = append(out, l...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.path != b.path {
			return a.path < b.path
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.match.String() < b.match.String()
	})
	return out
}

// describe lists the scripted routes for failure messages:
// "GET /v1/devices, POST /v1/login".
func (rs *routes) describe() string {
	var parts []string
	for _, r := range rs.list() {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

// unconsumed describes the scripts with replies that never answered.
func (rs *routes) unconsumed() []string {
	var out []string
	for _, r := range rs.list() {
		rs.mu.Lock()
		calls, want := r.script.calls, r.script.length()
		rs.mu.Unlock()
		if calls < want && !r.script.optional {
			out = append(out, fmt.Sprintf("%s: %d of %d scripted replies used (%s)", r, calls, want, describe(r.script.replies)))
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

// routePattern is the method and path of a route: path may be a whole
// ServeMux pattern with its method ("GET /v1/devices/{id}") when method is
// empty or the same; an empty method is GET.
func routePattern(method, path string) (string, string) {
	if m, p, ok := strings.Cut(path, " "); ok && !strings.HasPrefix(path, "/") && (method == "" || strings.EqualFold(method, m)) {
		method, path = m, strings.TrimSpace(p)
	}
	return routeMethod(method), cleanPath(path)
}

// routeMethod is the method of a route: GET when empty, upper case.
func routeMethod(method string) string {
	if method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(method)
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

// redactedURL is u without its query values, which may be secrets.
func redactedURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery = "", false
	return c.Redacted()
}
