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

// A call, a request and a login each carry their state from Start to End
// in the context Start returns: the state is that context, so it costs one
// allocation and no context.WithValue. A scope with nothing to record (a
// span that does not record, with the parent's span context, and no
// metric on) carries nothing: Start returns the context it got.

// stateKey finds the nearest state of this package in a context: a
// *callState, *attemptState or *loginState.
type stateKey struct{}

// callState is a call's context from CallStart to CallEnd.
type callState struct {
	context.Context
	span   trace.Span
	start  time.Time
	method string // http.request.method
}

func (s *callState) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

// attemptState is a request's context from AttemptStart to AttemptEnd.
type attemptState struct {
	context.Context
	span   trace.Span
	start  time.Time
	method string // http.request.method
	host   string
	port   int
	login  bool
}

func (s *attemptState) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

// loginState is a login's context from LoginStart to LoginEnd.
type loginState struct {
	context.Context
	span  trace.Span
	start time.Time
}

func (s *loginState) Value(key any) any {
	if key == (stateKey{}) {
		return s
	}
	return s.Context.Value(key)
}

// nothingToCarry reports whether a scope whose span is span, started in
// ctx, may go on with ctx itself: the span records nothing and has the
// parent's span context (the no-op tracer's, or a parent's that does not
// record), and no state of this package is visible in ctx, which the End
// function would take for its own.
func nothingToCarry(ctx context.Context, span trace.Span) bool {
	return !span.IsRecording() &&
		span.SpanContext().Equal(trace.SpanContextFromContext(ctx)) &&
		ctx.Value(stateKey{}) == nil
}

// spanOf returns the span of the nearest call, request or login whose
// context ctx is or derives from, nil when none carries one.
func spanOf(ctx context.Context) trace.Span {
	switch st := ctx.Value(stateKey{}).(type) {
	case *callState:
		return st.span
	case *attemptState:
		return st.span
	case *loginState:
		return st.span
	}
	return nil
}

// callStart opens the call's INTERNAL span.
func (t *telemetry) callStart(ctx context.Context, call client.CallInfo) context.Context {
	sctx, span := t.tracer.Start(ctx, callSpanName(call.Method), t.internalSpan...)
	m, known := method(call.Method)
	if span.IsRecording() {
		attrs := t.attrs()
		*attrs = append(*attrs, semconv.HTTPRequestMethodKey.String(m), semconv.URLPath(call.Path))
		if !known {
			*attrs = append(*attrs, semconv.HTTPRequestMethodOriginal(call.Method))
		}
		span.SetAttributes(*attrs...)
		t.release(attrs)
	} else if !t.m.callEnabled(ctx) && nothingToCarry(ctx, span) {
		return ctx
	}
	return &callState{Context: sctx, span: span, start: time.Now(), method: m}
}

// callEnd closes the call's span and records the call's metrics.
func (t *telemetry) callEnd(ctx context.Context, call client.CallResult) {
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		return
	}
	var et string
	if call.Err != nil {
		et = errorType(call.Err)
	}
	if span := st.span; span.IsRecording() {
		attrs := t.attrs()
		*attrs = append(*attrs, attrAttempts.Int(call.Attempts))
		if call.Err != nil {
			*attrs = details(call.Err, append(*attrs, semconv.ErrorTypeKey.String(et)))
			span.SetStatus(codes.Error, et)
		}
		span.SetAttributes(*attrs...)
		t.release(attrs)
	}
	st.span.End()

	if t.m.callDuration.Enabled(ctx) || t.m.callAttempts.Enabled(ctx) {
		attrs := t.attrs()
		*attrs = append(*attrs, semconv.HTTPRequestMethodKey.String(st.method))
		if call.Err != nil {
			*attrs = append(*attrs, semconv.ErrorTypeKey.String(et))
		}
		set := metric.WithAttributes(*attrs...)
		t.release(attrs)
		t.m.callDuration.Record(ctx, time.Since(st.start).Seconds(), set)
		t.m.callAttempts.Record(ctx, int64(call.Attempts), set)
	}
	if t.m.budget.Enabled(ctx) {
		t.m.budget.Record(ctx, int64(call.RetryBudget))
	}
}

// attemptStart opens the request's CLIENT span, a child of the call's (or
// the login's), and puts its trace context in the request's headers.
func (t *telemetry) attemptStart(ctx context.Context, req client.RequestInfo) context.Context {
	sctx, span := t.tracer.Start(ctx, spanMethod(req.Method), t.clientSpan...)
	t.prop.Inject(sctx, propagation.HeaderCarrier(req.Header))
	measured := !req.Login && t.m.requestDuration.Enabled(ctx)
	recording := span.IsRecording()
	if !recording && !measured && nothingToCarry(ctx, span) {
		return ctx
	}
	st := &attemptState{Context: sctx, span: span, login: req.Login}
	var known bool
	st.method, known = method(req.Method)
	if recording || measured {
		st.host, st.port = server(req.URL)
	}
	if recording {
		attrs := t.attrs()
		*attrs = append(*attrs, semconv.HTTPRequestMethodKey.String(st.method),
			semconv.ServerAddress(st.host), semconv.ServerPort(st.port), semconv.URLFull(req.URL))
		if !known {
			*attrs = append(*attrs, semconv.HTTPRequestMethodOriginal(req.Method))
		}
		if req.Attempt > 1 {
			*attrs = append(*attrs, semconv.HTTPRequestResendCount(req.Attempt-1))
		}
		span.SetAttributes(*attrs...)
		t.release(attrs)
	}
	st.start = time.Now()
	return st
}

// attemptEnd closes the request's span and records its duration: a
// call's attempts in http.client.request.duration, a login's request in
// the login's duration.
func (t *telemetry) attemptEnd(ctx context.Context, a client.AttemptInfo) {
	st, _ := ctx.Value(stateKey{}).(*attemptState)
	if st == nil {
		return
	}
	span := st.span
	recording := span.IsRecording()
	measured := !st.login && t.m.requestDuration.Enabled(ctx)
	if !recording && !measured {
		span.End()
		return
	}
	var et string
	attrs := t.attrs()
	if a.Status > 0 {
		*attrs = append(*attrs, semconv.HTTPResponseStatusCode(a.Status))
	}
	if a.Err != nil {
		et = errorType(a.Err)
		*attrs = append(*attrs, semconv.ErrorTypeKey.String(et))
	}
	if measured {
		t.m.requestDuration.Record(ctx, time.Since(st.start).Seconds(),
			httpconv.RequestMethodAttr(st.method), st.host, st.port, *attrs...)
	}
	if recording {
		if a.Err != nil {
			*attrs = details(a.Err, *attrs)
			*attrs = append(*attrs, attrAction.String(a.Action.String()))
			span.SetStatus(codes.Error, et)
		}
		span.SetAttributes(*attrs...)
	}
	t.release(attrs)
	span.End()
}

// wait records a backoff as an event on the call's span (or the login's).
func (t *telemetry) wait(ctx context.Context, w client.WaitInfo) {
	if span := spanOf(ctx); span != nil && span.IsRecording() {
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
		span.AddEvent("devcloud.backoff", trace.WithAttributes(attrs...))
	}
	if t.m.budget.Enabled(ctx) {
		t.m.budget.Record(ctx, int64(w.RetryBudget))
	}
}

// loginStart opens the login's INTERNAL span, a child of the call that
// started it (the login itself runs under its own context).
func (t *telemetry) loginStart(ctx, caller context.Context, l client.LoginInfo) context.Context {
	if sc := trace.SpanContextFromContext(caller); sc.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, sc)
	}
	ctx, span := t.tracer.Start(ctx, "devcloud.login", t.internalSpan...)
	if span.IsRecording() {
		span.SetAttributes(attrGeneration.Int64(int64(l.Generation)))
	}
	return &loginState{Context: ctx, span: span, start: time.Now()}
}

// loginEnd closes the login's span and counts the login.
func (t *telemetry) loginEnd(ctx context.Context, l client.LoginResult) {
	st, _ := ctx.Value(stateKey{}).(*loginState)
	if st == nil {
		return
	}
	var attrs []attribute.KeyValue
	if l.Err != nil {
		et := semconv.ErrorTypeKey.String(errorType(l.Err))
		attrs = append(attrs, et)
		st.span.SetAttributes(details(l.Err, []attribute.KeyValue{et})...)
		st.span.SetStatus(codes.Error, et.Value.AsString())
	}
	st.span.End()
	set := metric.WithAttributes(attrs...)
	t.m.logins.Add(ctx, 1, set)
	t.m.loginDuration.Record(ctx, time.Since(st.start).Seconds(), set)
}

// loginWait links a call that waited for a login to the login's span.
func (t *telemetry) loginWait(ctx, login context.Context, _ error) {
	sc := trace.SpanContextFromContext(login)
	if !sc.IsValid() {
		return
	}
	if span := spanOf(ctx); span != nil {
		span.AddLink(trace.Link{SpanContext: sc})
	}
}
