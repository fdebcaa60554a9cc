package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// envEndpoints is the export line of serve --gateway: the fallbacks after
// the base URL, comma separated, for client.WithEndpoints.
const envEndpoints = "DEVCLOUD_ENDPOINTS"

var gatewayRE = regexp.MustCompile(`^(ok|down|html-\d{3}|\d+)$`)

// gatewayScript is one --gateway: what the gateway does with requests.
type gatewayScript struct {
	kind string // "ok", "down", "html", "code"
	code int
}

// parseGateway parses ok, down, html-STATUS or a code.
func parseGateway(s string) (gatewayScript, error) {
	m := gatewayRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return gatewayScript{}, fmt.Errorf("%q is not a gateway: want ok, down, html-502 or a code such as 503 or 20013", s)
	}
	g := gatewayScript{kind: m[1]}
	switch {
	case strings.HasPrefix(m[1], "html-"):
		g.kind = "html"
		g.code, _ = strconv.Atoi(m[1][5:])
	case m[1] != "ok" && m[1] != "down":
		g.kind = "code"
		g.code, _ = strconv.Atoi(m[1])
		if g.code <= 0 {
			return gatewayScript{}, fmt.Errorf("%q: codes are positive numbers", s)
		}
	}
	return g, nil
}

// startGateways starts the gateways of scripts in front of srv; close
// closes them all.
func startGateways(srv *mock.Server, scripts []gatewayScript) (gws []*mock.Gateway, close func()) {
	for _, g := range scripts {
		gw := srv.NewGateway()
		switch g.kind {
		case "down":
			gw.Close()
		case "html":
			gw.Fail(mock.HTML(g.code, ""))
		case "code":
			gw.Fail(mock.Code(apierrors.Code(g.code)))
		}
		gws = append(gws, gw)
	}
	return gws, func() {
		for _, gw := range gws {
			gw.Close()
		}
	}
}

// describeGateways writes where each gateway listens and what it does.
func describeGateways(w io.Writer, gws []*mock.Gateway, scripts []gatewayScript) {
	for i, gw := range gws {
		var what string
		switch g := scripts[i]; g.kind {
		case "ok":
			what = "passes requests on to the platform"
		case "down":
			what = "is down: connections are refused"
		case "html":
			what = fmt.Sprintf("answers every request with an HTML %d page", g.code)
		default:
			what = fmt.Sprintf("answers every request with %d %s", g.code, apierrors.Code(g.code).String())
		}
		fmt.Fprintf(w, "  gateway %d on %s %s\n", i+1, gw.URL, what)
	}
}

// endpointsExport is the export line of the fallbacks after the first
// gateway, "" when there are none.
func endpointsExport(gws []*mock.Gateway) string {
	if len(gws) < 2 {
		return ""
	}
	urls := make([]string, 0, len(gws)-1)
	for _, gw := range gws[1:] {
		urls = append(urls, gw.URL)
	}
	return fmt.Sprintf("export %s=%s\n", envEndpoints, shellQuote(strings.Join(urls, ",")))
}
