package mock

import (
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
)

type attemptKey struct{ method, path, key string }

// recorder keeps the requests of one flavour and the login counts.
type recorder struct {
	mu            sync.Mutex
	reqs          []Request
	attempts      map[attemptKey]int
	logins        int
	loginAttempts int
}

func newRecorder() *recorder { return &recorder{attempts: make(map[attemptKey]int)} }

// add numbers r and keeps it.
func (rc *recorder) add(r Request) Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r.Seq = len(rc.reqs) + 1
	if r.IdempotencyKey != "" {
		k := attemptKey{r.Method, r.Path, r.IdempotencyKey}
		rc.attempts[k]++
		r.Attempt = rc.attempts[k]
	}
	if r.Login {
		rc.loginAttempts++
		if r.Reply == KindLogin {
			rc.logins++
		}
	}
	rc.reqs = append(rc.reqs, r)
	return r
}

func (rc *recorder) all() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Request, len(rc.reqs))
	for i, r := range rc.reqs {
		out[i] = r.clone()
	}
	return out
}

// count is how many requests of method went to path, or were answered by
// the route of that pattern ("/v1/devices/{id}").
func (rc *recorder) count(method, path string) int {
	method, path = routePattern(method, path)
	pattern := method + " " + path
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, r := range rc.reqs {
		if r.Method == method && r.Path == path || r.Pattern == pattern {
			n++
		}
	}
	return n
}

func (rc *recorder) loginCounts() (logins, attempts int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.logins, rc.loginAttempts
}

func (rc *recorder) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = nil
	clear(rc.attempts)
	rc.logins, rc.loginAttempts = 0, 0
}

// calls introduces the table of what was called, for failure messages.
func (rc *recorder) calls() string {
	return "calls (method, path, count, replies):\n" + rc.table()
}

// table is what was called: one line per method and path with its count and
// the replies given, in first-call order.
func (rc *recorder) table() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		return "  (no requests)\n"
	}
	type routeKey struct{ method, path string }
	type row struct {
		k       routeKey
		n       int
		replies []string
	}
	var rows []*row
	index := map[routeKey]*row{}
	for _, r := range rc.reqs {
		k := routeKey{r.Method, r.Path}
		w := index[k]
		if w == nil {
			w = &row{k: k}
			index[k] = w
			rows = append(rows, w)
		}
		w.n++
		reply := r.Reply.String()
		if r.Code != 0 {
			reply = fmt.Sprint(r.Code)
		}
		w.replies = append(w.replies, reply)
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, w := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", w.k.method, w.k.path, w.n, runs(w.replies))
	}
	tw.Flush()
	return b.String()
}

// runs joins replies, collapsing repeats: "20005 ×3 ok".
func runs(replies []string) string {
	var parts []string
	for i := 0; i < len(replies); {
		j := i
		for j < len(replies) && replies[j] == replies[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", replies[i], j-i))
		} else {
			parts = append(parts, replies[i])
		}
		i = j
	}
	return strings.Join(parts, " ")
}

// assertCalls is AssertCalls of both flavours.
func (rc *recorder) assertCalls(t TB, method, path string, n int) bool {
	t.Helper()
	if got := rc.count(method, path); got != n {
		method, path = routePattern(method, path)
		t.Errorf("mock: %s %s called %d times, want %d; %s", method, path, got, n, rc.calls())
		return false
	}
	return true
}

// assertLogins is AssertLogins of both flavours.
func (rc *recorder) assertLogins(t TB, n int) bool {
	t.Helper()
	if got, attempts := rc.loginCounts(); got != n {
		t.Errorf("mock: %d successful logins (%d attempts), want %d; %s", got, attempts, n, rc.calls())
		return false
	}
	return true
}
