package devcloudotel

import (
	"context"
	stderrors "errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

// The SDK's own attributes, beside the semantic conventions.
const (
	// attrCode is the platform code of a failure (10001, 20005, …).
	attrCode = attribute.Key("devcloud.error.code")
	// attrRequestID is the platform's request id.
	attrRequestID = attribute.Key("devcloud.request_id")
	// attrAttempts is how many requests a call sent.
	attrAttempts = attribute.Key("devcloud.attempts")
	// attrAction is what the client did after an attempt: "retry",
	// "relogin", "fail", …
	attrAction = attribute.Key("devcloud.action")
	// attrDelay is a backoff's length in seconds.
	attrDelay = attribute.Key("devcloud.backoff.delay")
	// attrReason is why the client waits: "retry", "retry-throttle",
	// "login-cooldown".
	attrReason = attribute.Key("devcloud.backoff.reason")
	// attrAttempt is the number of the attempt a backoff follows.
	attrAttempt = attribute.Key("devcloud.attempt")
	// attrGeneration is the session generation a login replaces.
	attrGeneration = attribute.Key("devcloud.session.generation")
)

// errorType is the value of error.type for err: the platform code or HTTP
// status of an API failure (see errors.APIError.ErrorType), "circuit_open"
// for a request the circuit breaker refused, "timeout" or "canceled" when
// the context ended the call, else the Go type.
func errorType(err error) string {
	if et, ok := err.(interface{ ErrorType() string }); ok {
		return et.ErrorType()
	}
	var et interface{ ErrorType() string }
	switch {
	case stderrors.Is(err, client.ErrCircuitOpen):
		return "circuit_open"
	case stderrors.As(err, &et):
		return et.ErrorType()
	case stderrors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case stderrors.Is(err, context.Canceled):
		return "canceled"
	}
	return semconv.ErrorType(err).Value.AsString()
}

// details returns the platform code and request id of err, when it has
// them.
func details(err error, attrs []attribute.KeyValue) []attribute.KeyValue {
	if code, ok := apierrors.CodeOf(err); ok {
		attrs = append(attrs, attrCode.Int(int(code)))
	}
	if id := apierrors.RequestIDOf(err); id != "" {
		attrs = append(attrs, attrRequestID.String(id))
	}
	return attrs
}

// method returns the value of http.request.method for m: m when the
// conventions know it, else "_OTHER" and false (the original then goes in
// http.request.method_original).
func method(m string) (string, bool) {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return m, true
	}
	return "_OTHER", false
}

// spanMethod is m as it appears in a span name: "HTTP" for a method the
// conventions do not know, so odd methods do not multiply span names.
func spanMethod(m string) string {
	if _, known := method(m); !known {
		return "HTTP"
	}
	return m
}

// callSpanName is the name of a call's span, "devcloud " and spanMethod,
// as a constant: no concatenation per call.
func callSpanName(m string) string {
	switch m {
	case http.MethodGet:
		return "devcloud GET"
	case http.MethodHead:
		return "devcloud HEAD"
	case http.MethodPost:
		return "devcloud POST"
	case http.MethodPut:
		return "devcloud PUT"
	case http.MethodPatch:
		return "devcloud PATCH"
	case http.MethodDelete:
		return "devcloud DELETE"
	case http.MethodOptions:
		return "devcloud OPTIONS"
	case http.MethodTrace:
		return "devcloud TRACE"
	case http.MethodConnect:
		return "devcloud CONNECT"
	}
	return "devcloud HTTP"
}

// server returns server.address and server.port of an absolute URL as the
// client hands it over (RequestInfo.URL, EndpointInfo.URL): a base URL New
// or WithEndpoints checked, scheme://host[:port] with no user info, then
// the path and query. It slices the string instead of parsing it, so a
// request costs no url.URL; only an IPv6 literal is rewritten, to its
// canonical form.
func server(raw string) (string, int) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", 0
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 { // never the user info
		rest = rest[i+1:]
	}
	host, port := rest, 0
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i:], "]") {
		host = rest[:i]
		port, _ = strconv.Atoi(rest[i+1:])
	}
	if port == 0 {
		switch scheme {
		case "http":
			port = 80
		case "https":
			port = 443
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
		if ip := net.ParseIP(host); ip != nil {
			host = ip.String()
		}
	}
	return host, port
}
