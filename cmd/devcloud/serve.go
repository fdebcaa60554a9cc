package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

func serveCommand() *command {
	var addr *string
	var faults, gateways *repeated
	declare := func(fs *flagSet) {
		addr = fs.String("addr", "127.0.0.1:0", "the loopback `HOST:PORT` to listen on; port 0 picks a free one")
		faults = &repeated{}
		fs.Var(faults, "fault", "script a route, `[METHOD:]PATH=ANSWER,...` (repeatable)")
		gateways = &repeated{}
		fs.Var(gateways, "gateway", "a gateway in front of the platform: `ok`, down, html-502 or a code it answers (repeatable)")
	}
	return &command{
		name:    "serve",
		args:    "[--addr HOST:PORT] [--fault [METHOD:]PATH=ANSWER,...]... [--gateway GW]...",
		summary: "run the fake platform on this machine until interrupted, for devcloud call",
		help: `
Serve runs the SDK's fake platform (package mock's Server) on a loopback port until
you press Ctrl-C. It first prints, on standard output, the three export lines that
point devcloud call (or your own program) at it:

  export DEVCLOUD_BASE_URL=http://127.0.0.1:PORT
  export DEVCLOUD_APP_ID=devcloud-mock-app
  export DEVCLOUD_SECRET=devcloud-mock-secret

The fake platform checks the signed login, the session token and the CSRF token of
every call, as the real one does. GET /v1/devices and GET /v1/gateways answer a short
list, POST /v1/licences answers a licence; any other route answers 404.

--fault scripts a route: its answers in order, the last one repeating. An answer is
ok, a platform or HTTP code (503, 20005, 10001), html-STATUS (a gateway's HTML page)
or reset (the connection dropped before an answer); ANSWERxN repeats it N times.
Without METHOD the script applies to GET, POST, PUT, PATCH and DELETE.

--gateway puts a gateway (another address of the same platform) in front of it, in the
order given: ok passes requests on, down refuses connections, html-STATUS or a code
(503, 20013) is what it answers to every request itself. With gateways,
DEVCLOUD_BASE_URL is the first one, and a fourth line exports the others as
DEVCLOUD_ENDPOINTS, comma separated, for client.WithEndpoints.`,
		examples: []string{
			"devcloud serve",
			"devcloud serve --fault /v1/devices=503x2,ok   # then paste its export lines in another terminal",
			"devcloud serve > serve.env & sleep 1; . ./serve.env; devcloud call --verbose GET /v1/devices",
			"devcloud serve --fault GET:/v1/devices=20005,20022,ok --fault POST:/v1/licences=30011",
			"devcloud serve --gateway 503 --gateway ok   # the first gateway lost its backend",
		},
		flags: declare,
		run: func(ctx context.Context, cmd *command, args []string, s streams) int {
			fs := newFlagSet(cmd)
			declare(fs)
			pos, r := fs.parse(args, s)
			if r.done {
				return r.status
			}
			if len(pos) > 0 {
				return cmd.usageError(s.err, "unexpected argument %q", pos[0])
			}
			var scripts []faultScript
			for _, f := range *faults {
				fsc, err := parseFault(f)
				if err != nil {
					return cmd.usageError(s.err, "--fault %s", err)
				}
				scripts = append(scripts, fsc)
			}
			var gws []gatewayScript
			for _, g := range *gateways {
				gs, err := parseGateway(g)
				if err != nil {
					return cmd.usageError(s.err, "--gateway %s", err)
				}
				gws = append(gws, gs)
			}
			return runServe(ctx, *addr, scripts, gws, s)
		},
	}
}

// demoRoutes are what serve answers without any --fault.
var demoRoutes = []struct {
	method, path string
	payload      any
}{
	{"GET", "/v1/devices", map[string]any{"Devices": []map[string]string{{"Id": "cam-1", "Name": "front door"}, {"Id": "cam-2", "Name": "garage"}}}},
	{"GET", "/v1/gateways", map[string]any{"Gateways": []map[string]string{{"Id": "gw-1", "Name": "hall"}}}},
	{"POST", "/v1/licences", map[string]any{"Licence": "lic-1", "DeviceId": "cam-1"}},
}

func runServe(ctx context.Context, addr string, faults []faultScript, gateways []gatewayScript, s streams) int {
	listen, note := loopback(addr)
	srv, err := mock.ListenServer(mock.WithAddr(listen))
	if err != nil {
		fmt.Fprintf(s.err, "devcloud serve: --addr %s: %v\n", addr, err)
		return exitUsage
	}
	if note != "" {
		fmt.Fprintf(s.err, "devcloud serve: %s\n", note)
	}
	defer srv.Close()
	payloads := map[string]any{}
	for _, r := range demoRoutes {
		srv.On(r.method, r.path, mock.OK(r.payload))
		payloads[r.method+" "+r.path] = r.payload
	}
	serveFiles(srv)
	for _, f := range faults {
		for _, m := range f.methods {
			srv.On(m, f.path, f.replies(payloads[m+" "+f.path])...)
		}
	}
	gws, closeGateways := startGateways(srv, gateways)
	defer closeGateways()
	base := srv.URL
	if len(gws) > 0 {
		base = gws[0].URL
	}
	printExports(s.out, base)
	fmt.Fprint(s.out, endpointsExport(gws))
	fmt.Fprintf(s.err, "devcloud serve: the fake platform on %s until interrupted (Ctrl-C)\n", srv.URL)
	describeGateways(s.err, gws, gateways)
	for _, f := range faults {
		fmt.Fprintf(s.err, "  %s %s answers %s\n", strings.Join(f.methods, ","), f.path, f.describe())
	}
	<-ctx.Done()
	closeGateways()
	srv.Close()
	fmt.Fprintf(s.err, "devcloud serve: stopped after %d requests, %d logins\n", len(srv.Requests()), srv.Logins())
	return exitOK
}

// loopback is the address to listen on for --addr: an address of every
// interface (0.0.0.0:P, [::]:P, :P) becomes the loopback one of the same
// port, since the fake platform serves this machine only; note says so.
// Any other address is left to the listener to accept or refuse.
func loopback(addr string) (listen, note string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, ""
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return addr, ""
	}
	listen = net.JoinHostPort("127.0.0.1", port)
	return listen, fmt.Sprintf("--addr %s is every interface; the fake platform listens on loopback only", addr)
}

// printExports writes the lines a shell evals to point call at url.
func printExports(w io.Writer, url string) {
	for _, kv := range [][2]string{{envBaseURL, url}, {envAppID, mock.DefaultAppID}, {envSecret, mock.DefaultSecret}} {
		fmt.Fprintf(w, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote quotes s for a POSIX shell unless it needs no quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// faultScript is one --fault: the route and its answers.
type faultScript struct {
	methods []string
	path    string
	answers []faultAnswer
}

type faultAnswer struct {
	kind  string // "ok", "code", "html", "reset"
	code  int
	times int
}

var answerRE = regexp.MustCompile(`^(ok|reset|html-\d{3}|\d+)(?:x(\d+))?$`)

// parseFault parses [METHOD:]PATH=ANSWER,... .
func parseFault(s string) (faultScript, error) {
	route, list, ok := strings.Cut(s, "=")
	if !ok || list == "" {
		return faultScript{}, fmt.Errorf("wants [METHOD:]PATH=ANSWER,..., as in /v1/devices=503x2,ok")
	}
	f := faultScript{methods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}, path: route}
	if m, p, ok := strings.Cut(route, ":"); ok && !strings.HasPrefix(route, "/") {
		f.methods, f.path = []string{strings.ToUpper(m)}, p
	}
	if !strings.HasPrefix(f.path, "/") {
		return faultScript{}, fmt.Errorf("%q: the path must start with /", route)
	}
	for _, a := range strings.Split(list, ",") {
		m := answerRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(a)))
		if m == nil {
			return faultScript{}, fmt.Errorf("%q is not an answer: want ok, a code such as 503, html-502 or reset, optionally xN", a)
		}
		fa := faultAnswer{kind: m[1], times: 1}
		switch {
		case strings.HasPrefix(m[1], "html-"):
			fa.kind = "html"
			fa.code, _ = strconv.Atoi(m[1][5:])
		case m[1] != "ok" && m[1] != "reset":
			fa.kind = "code"
			fa.code, _ = strconv.Atoi(m[1])
			if fa.code <= 0 {
				return faultScript{}, fmt.Errorf("%q: codes are positive numbers", a)
			}
		}
		if m[2] != "" {
			n, err := strconv.Atoi(m[2])
			if err != nil || n < 1 {
				return faultScript{}, fmt.Errorf("%q: the repeat count must be at least 1", a)
			}
			fa.times = n
		}
		f.answers = append(f.answers, fa)
	}
	return f, nil
}

// replies turns the answers into the mock's Replies; ok answers payload.
func (f faultScript) replies(payload any) []mock.Reply {
	var out []mock.Reply
	for _, a := range f.answers {
		var r mock.Reply
		switch a.kind {
		case "ok":
			r = mock.OK(payload)
		case "reset":
			r = mock.ResetBeforeResponse()
		case "html":
			r = mock.HTML(a.code, "")
		default:
			r = mock.Code(apierrors.Code(a.code))
		}
		if a.times > 1 {
			r = r.Times(a.times)
		}
		out = append(out, r)
	}
	return out
}

// describe is the script in words: "503 ServiceUnavailable ×2, then ok".
func (f faultScript) describe() string {
	var parts []string
	for _, a := range f.answers {
		var p string
		switch a.kind {
		case "code":
			p = fmt.Sprintf("%d %s", a.code, apierrors.Code(a.code).String())
		case "html":
			p = fmt.Sprintf("an HTML %d page", a.code)
		case "reset":
			p = "a reset connection"
		default:
			p = "ok"
		}
		if a.times > 1 {
			p += fmt.Sprintf(" ×%d", a.times)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", then ") + " (the last one repeating)"
}
