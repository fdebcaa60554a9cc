package devcloudotel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
	"go.opentelemetry.io/otel/trace"

	"github.com/devcloud/devcloud-go/client"
)

// callState is what a call's context carries from CallStart to CallEnd.
type callState struct {
	start  time.Time
	method attribute.KeyValue
}

// attemptState is what a request's context carries to its AttemptEnd.
type attemptState struct {
	start  time.Time
	method attribute.KeyValue
	host   string
	port   int
	login  bool
}

type (
	callKey    struct{}
	attemptKey struct{}
	loginKey   struct{}
)

// callStart opens the call's INTERNAL span.
func (t *telemetry) callStart(ctx context.Context, call client.CallInfo) context.Context {
	m, extra := method(call.Method)
	attrs := append(extra, m, semconv.URLPath(call.Path))
	ctx, _ = t.tracer.Start(ctx, "devcloud "+spanMethod(call.Method),
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, callKey{}, &callState{start: time.Now(), method: m})
}

// callEnd closes the call's span and records the call's metrics.
func (t *telemetry) callEnd(ctx context.Context, call client.CallResult) {
	st, _ := ctx.Value(callKey{}).(*callState)
	if st == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	attrs := []attribute.KeyValue{st.method}
	if call.Err != nil {
		et := semconv.ErrorTypeKey.String(errorType(call.Err))
		attrs = append(attrs, et)
		span.SetAttributes(details(call.Err, []attribute.KeyValue{et})...)
		span.SetStatus(codes.Error, et.Value.AsString())
	}
	span.SetAttributes(attrAttempts.Int(call.Attempts))
	span.End()

	set := metric.WithAttributes(attrs...)
	t.m.callDuration.Record(ctx, time.Since(st.start).Seconds(), set)
	t.m.callAttempts.Record(ctx, int64(call.Attempts), set)
	t.m.budget.Record(ctx, int64(call.RetryBudget))
}

// attemptStart opens the request's CLIENT span, a child of the call's (or
// the login's), and puts its trace context in the request's headers.
func (t *telemetry) attemptStart(ctx context.Context, req client.RequestInfo) context.Context {
	m, extra := method(req.Method)
	host, port := server(req.URL)
	attrs := append(extra, m,
		semconv.ServerAddress(host), semconv.ServerPort(port), semconv.URLFull(req.URL))
	if req.Attempt > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(req.Attempt-1))
	}
	ctx, _ = t.tracer.Start(ctx, spanMethod(req.Method),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	t.prop.Inject(ctx, propagation.HeaderCarrier(req.Header))
	return context.WithValue(ctx, attemptKey{}, &attemptState{start: time.Now(), method: m, host: host, port: port, login: req.Login})
}

// attemptEnd closes the request's span and records its duration: a
// call's attempts in http.client.request.duration, a login's request in
// the login's duration.
func (t *telemetry) attemptEnd(ctx context.Context, a client.AttemptInfo) {
	st, _ := ctx.Value(attemptKey{}).(*attemptState)
	if st == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	var attrs []attribute.KeyValue
	if a.Status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(a.Status))
	}
	if a.Err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(a.Err)))
	}
	if !st.login {
		t.m.requestDuration.Record(ctx, time.Since(st.start).Seconds(),
			httpconv.RequestMethodAttr(st.method.Value.AsString()), st.host, st.port, attrs...)
	}

	if a.Err != nil {
		attrs = details(a.Err, attrs)
		attrs = append(attrs, attrAction.String(a.Action.String()))
		span.SetStatus(codes.Error, errorType(a.Err))
	}
	span.SetAttributes(attrs...)
	span.End()
}

// wait records a backoff as an event on the call's span (or the login's).
func (t *telemetry) wait(ctx context.Context, w client.WaitInfo) {
	attrs := []attribute.KeyValue{
		attrDelay.Float64(w.Delay.Seconds()),
		attrReason.String(w.Action.String()),
	}
	if w.Attempt > 0 {
		attrs = append(attrs, attrAttempt.Int(w.Attempt))
	}
	if w.Err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(w.Err)))
	}
	trace.SpanFromContext(ctx).AddEvent("devcloud.backoff", trace.WithAttributes(attrs...))
	t.m.budget.Record(ctx, int64(w.RetryBudget))
}

// loginStart opens the login's INTERNAL span, a child of the call that
// started it (the login itself runs under its own context).
func (t *telemetry) loginStart(ctx, caller context.Context, l client.LoginInfo) context.Context {
	if sc := trace.SpanContextFromContext(caller); sc.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, sc)
	}
	ctx, _ = t.tracer.Start(ctx, "devcloud.login", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrGeneration.Int64(int64(l.Generation))))
	return context.WithValue(ctx, loginKey{}, time.Now())
}

// loginEnd closes the login's span and counts the login.
func (t *telemetry) loginEnd(ctx context.Context, l client.LoginResult) {
	span := trace.SpanFromContext(ctx)
	var attrs []attribute.KeyValue
	if l.Err != nil {
		et := semconv.ErrorTypeKey.String(errorType(l.Err))
		attrs = append(attrs, et)
		span.SetAttributes(details(l.Err, []attribute.KeyValue{et})...)
		span.SetStatus(codes.Error, et.Value.AsString())
	}
	span.End()
	set := metric.WithAttributes(attrs...)
	t.m.logins.Add(ctx, 1, set)
	if start, ok := ctx.Value(loginKey{}).(time.Time); ok {
		t.m.loginDuration.Record(ctx, time.Since(start).Seconds(), set)
	}
}

// loginWait links a call that waited for a login to the login's span.
func (t *telemetry) loginWait(ctx, login context.Context, _ error) {
	sc := trace.SpanContextFromContext(login)
	if !sc.IsValid() {
		return
	}
	trace.SpanFromContext(ctx).AddLink(trace.Link{SpanContext: sc})
}
