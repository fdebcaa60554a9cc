package client

import (
	"bytes"
	"context"
	"encoding/json"
	stderrors "errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/uuid"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

// ErrResponseTooLarge is the cause of a TransportError for a response body
// larger than WithMaxResponseBytes allows.
var ErrResponseTooLarge = stderrors.New("response body exceeds the client's size limit")

// request is one call, prepared once and sent by every attempt.
type request struct {
	method, path string
	name         string // path without query, for errors, logs and hooks
	body         []byte
	idemKey      string
	call         *callConfig
	hidden       []string // values its errors must never show besides the query's: a signature
	login        bool     // the default login's request
}

// result is what one attempt saw.
type result struct {
	status  int
	header  http.Header
	err     error
	refused bool // by the circuit breaker: nothing was sent
}

// Do calls the platform: method and path (relative to the base URL), in
// encoded as the JSON body (nil for none; []byte and json.RawMessage are sent
// as they are), and the success payload decoded into out (nil to discard).
//
// Failures come back typed: *errors.APIError for a platform or HTTP failure,
// *errors.DecodeError for a body that does not decode, *errors.TransportError
// when no response was read, *InputError for arguments that cannot be sent
// (a method that is not an HTTP token, control characters in the path, a
// header or the idempotency key, a path whose ".." leaves the base URL's
// path, an out that is neither nil nor a non-nil pointer): nothing is sent
// then. Text the server sends back is stored in errors with the request's
// secrets (session token, CSRF token, secret, signature, query values)
// redacted.
// The retry policy decides what is retried, relogged or failed; every attempt
// of a call sends the same body and, for non-idempotent methods, the same
// Idempotency-Key.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...CallOption) error {
	if ctx == nil {
		return &InputError{Field: "ctx", Reason: "nil context"}
	}
	req, err := c.prepare(method, path, in, out, opts)
	if err != nil {
		return err
	}
	idempotent := isIdempotent(req.method)
	if req.call.idempotent != nil {
		idempotent = *req.call.idempotent
	}
	if !idempotent && req.idemKey == "" {
		req.idemKey = uuid.NewString()
	}

	var (
		retryer    *retry.Retryer // made on the first failure: most calls never need one
		lastErr    error          // the last attempt's error, for a stop while logging in
		stale      bool           // a session code condemned the session of generation staleGen
		staleGen   uint64
		relogged   bool
		sent       int // requests sent: the Attempts of the call
		tries      int // attempts counted against the policy: relogin replays excluded
		loginWaits int
		held       int // retry-budget tokens the attempt in flight paid for
	)
	for {
		var sess Session
		if c.hasLogin() {
			if stale {
				sess, err = c.sessions.refresh(ctx, staleGen)
			} else {
				sess, err = c.sessions.current(ctx)
			}
			if err != nil {
				// A throttled or unreachable login endpoint is waited
				// out, within the call's attempts and deadline; any other
				// login failure is final.
				wait, ok := c.sessions.cooldownLeft(err)
				if ok && loginWaits < c.policy.MaxAttempts-1 && !req.call.noRetry && fits(ctx, c.clock.Now().Add(wait)) {
					loginWaits++
					if err := c.clock.Sleep(ctx, wait); err == nil {
						continue
					}
				}
				if ctx.Err() != nil && lastErr != nil {
					return c.finish(req, withCause(lastErr, ctx.Err()), sent)
				}
				return c.finish(req, loginFailed(err), sent)
			}
			stale = false
		}
		sent++
		tries++
		start := c.clock.Now()
		res := c.attempt(ctx, req, sess, out)
		if res.refused {
			return c.finish(req, res.err, sent-1)
		}
		info := c.attemptInfo(sent, req, res, start)
		if res.err == nil {
			switch {
			case held > 0:
				c.budget.Release(held) // the retry helped: it costs nothing
			case tries == 1:
				c.budget.Success() // no retry needed: the bucket refills
			}
			c.observe(info)
			return nil
		}
		lastErr, held = res.err, 0
		if req.call.noRetry {
			c.observe(info)
			return c.finish(req, res.err, sent)
		}

		if retryer == nil {
			retryer = c.policy.NewRetryer(c.rnd)
		}
		d := retryer.Decide(ctx, retry.Attempt{
			Number: tries, Err: res.err, Header: res.header,
			Idempotent: idempotent, IdempotencyKey: req.idemKey != "",
		}, c.clock.Now())
		info.Action, info.Delay = d.Action, d.Delay
		setRetryAfter(res.err, d.RetryAfter)

		switch d.Action {
		case apierrors.ActionRelogin, apierrors.ActionReloginClockSkew:
			if !c.hasLogin() || relogged {
				// A session code right after a fresh login is the
				// platform's final word, not a reason to loop.
				info.Action = apierrors.ActionFail
				c.observe(info)
				return c.finish(req, res.err, sent)
			}
			c.observe(info)
			relogged = true
			tries--
			if d.Action == apierrors.ActionReloginClockSkew {
				c.sessions.correctClock(res.header)
			}
			stale, staleGen = true, sess.Generation // the next turn logs in again, or reuses a newer session
			continue

		case apierrors.ActionRetry, apierrors.ActionRetryThrottle:
			if c.breaker.blocks() {
				// The next attempt would be refused: spend neither a
				// budget token nor the sleep on it.
				info.Action = apierrors.ActionFail
				c.observe(info)
				return c.finish(req, withCause(res.err, ErrCircuitOpen), sent)
			}
			if !fits(ctx, c.clock.Now().Add(d.Delay)) {
				info.Action = apierrors.ActionFail
				c.observe(info)
				return c.finish(req, withCause(res.err, fmt.Errorf("retry in %v would pass the deadline: %w", d.Delay, context.DeadlineExceeded)), sent)
			}
			cost, ok := c.budget.Acquire(d.Timeout)
			if !ok {
				info.Action = apierrors.ActionFail
				c.observe(info)
				return c.finish(req, withCause(res.err, retry.ErrBudgetExhausted), sent)
			}
			held = cost
			c.observe(info)
			if err := c.clock.Sleep(ctx, d.Delay); err != nil {
				return c.finish(req, withCause(res.err, err), sent)
			}
			continue
		}
		info.Action = apierrors.ActionFail
		c.observe(info)
		if d.Cause != nil {
			res.err = withCause(res.err, d.Cause)
		}
		return c.finish(req, res.err, sent)
	}
}

// prepare checks the arguments and encodes the body once for all attempts.
func (c *Client) prepare(method, path string, in, out any, opts []CallOption) (*request, error) {
	if !isToken(method) {
		return nil, &InputError{Field: "method", Reason: "not an HTTP method"}
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if err := checkOut(out); err != nil {
		return nil, err
	}
	req := &request{method: strings.ToUpper(method), path: path, name: stripQuery(path), call: &callConfig{}}
	for _, o := range opts {
		if o != nil {
			o(req.call)
		}
	}
	for _, kv := range req.call.headers {
		if err := checkHeader("header", kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	if hasControl(req.call.idempotencyKey, true) {
		return nil, &InputError{Field: "idempotencyKey", Reason: "has a control character"}
	}
	req.idemKey = req.call.idempotencyKey
	if in != nil && (req.method == http.MethodGet || req.method == http.MethodHead) {
		return nil, &InputError{Field: "in", Reason: req.method + " requests carry no body; use client.Query"}
	}
	switch v := in.(type) {
	case nil:
	case []byte:
		req.body = v
	case json.RawMessage:
		req.body = v
	case io.Reader:
		b, err := io.ReadAll(v)
		if err != nil {
			return nil, &InputError{Field: "in", Reason: "cannot read the request body", Err: err}
		}
		req.body = b
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, &InputError{Field: "in", Reason: "cannot encode the request body as JSON", Err: err}
		}
		req.body = b
	}
	return req, nil
}

// attempt sends one request, unless the circuit breaker refuses it, and
// tells the breaker how it went.
func (c *Client) attempt(ctx context.Context, req *request, sess Session, out any) (res result) {
	if c.breaker == nil {
		return c.send(ctx, req, sess, out)
	}
	record, err := c.breaker.allow(req.method, req.name)
	if err != nil {
		return result{err: err, refused: true}
	}
	sent := false
	defer func() {
		if !sent { // send panicked: the breaker must not wait for it forever
			record(notCounted, nil)
		}
	}()
	res = c.send(ctx, req, sess, out)
	sent = true
	record(judge(ctx, res.err), res.err)
	return res
}

// send sends one request with the session's headers and decodes the answer
// into out. It never retries.
func (c *Client) send(ctx context.Context, req *request, sess Session, out any) result {
	actx := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	if req.idemKey != "" {
		actx = withSendOnce(actx) // see sendOnce
	}
	r := c.rc.R()
	r.SetContext(actx)
	r.SetDoNotParseResponse(true)
	h := r.Header
	for k, v := range c.headers {
		// Clipped, so a per-call Add copies instead of writing into the
		// client's shared slice.
		h[k] = v[:len(v):len(v)]
	}
	sh := c.headersOf(sess)
	if sh.auth != nil {
		h[c.auth] = sh.auth
	}
	if sh.csrfv != nil {
		h[c.csrf] = sh.csrfv
	}
	if req.idemKey != "" {
		h[c.idem] = []string{req.idemKey}
	}
	for _, kv := range req.call.headers {
		h.Add(kv[0], kv[1])
	}
	if req.body != nil {
		h["Content-Type"] = []string{"application/json"}
		// A *bytes.Reader, not the []byte: resty copies a []byte twice
		// per attempt, while net/http sends a *bytes.Reader as it is and
		// rewinds it (Request.GetBody) for a redirect or an HTTP/2 retry.
		r.SetBody(bytes.NewReader(req.body))
	}
	if len(req.call.query) > 0 {
		r.SetQueryParamsFromValues(req.call.query)
	}
	resp, err := r.Execute(req.method, c.baseURL+req.path)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		return result{err: c.redact(req, sess, &apierrors.TransportError{Err: err}, nil)}
	}
	raw := resp.RawBody()
	defer raw.Close()
	status, header := resp.StatusCode(), resp.Header()
	body, err := readBody(raw, resp.RawResponse.ContentLength, c.maxBody)
	if err != nil {
		if err == ErrResponseTooLarge {
			// Sending the call again brings the same body back.
			err = backoff.Permanent(err)
		}
		return result{status: status, header: header, err: &apierrors.TransportError{Err: err}}
	}
	if err := DecodeResponse(status, header, body, out); err != nil {
		return result{status: status, header: header, err: c.redact(req, sess, err, body)}
	}
	return result{status: status, header: header}
}

// finish fills in what the call knows and the attempt did not: method, path
// and attempts (already there for an attempt's error, which attemptInfo
// completed before any hook saw it).
func (c *Client) finish(req *request, err error, sent int) error {
	err = annotate(err, req.method, req.name, sent)
	if c.logger != nil {
		c.logger.LogAttrs(context.Background(), slog.LevelWarn, "devcloud call failed",
			slog.String("method", req.method), slog.String("path", req.name),
			slog.Int("attempts", sent), slog.String("error", err.Error()))
	}
	return err
}

// loginFailed wraps a login failure so the caller can tell it from the
// call's own failure; errors.Is still matches the login's code.
// A context that ended while the call waited for the login is the call's
// own transport failure: typed, with method, path and attempts.
func loginFailed(err error) error {
	var le *LoginError
	if stderrors.As(err, &le) {
		return err
	}
	if stderrors.Is(err, context.Canceled) || stderrors.Is(err, context.DeadlineExceeded) {
		return &apierrors.TransportError{Err: err}
	}
	return &LoginError{Err: err}
}

// annotate fills in what the call knows and the attempt did not: method,
// path and attempts. It never writes to an error anybody may hold: an error
// that lacks them is copied, and only err itself is looked at, never an error
// wrapped inside it (a shared login's error, held by other callers).
func annotate(err error, method, path string, attempts int) error {
	path = stripQuery(path)
	switch e := err.(type) {
	case *apierrors.APIError:
		if e.Method == "" {
			cp := *e
			cp.Method, cp.Path, cp.Attempts = method, path, attempts
			return &cp
		}
	case *apierrors.DecodeError:
		if e.Method == "" {
			cp := *e
			cp.Method, cp.Path, cp.Attempts = method, path, attempts
			return &cp
		}
	case *apierrors.TransportError:
		if e.Method == "" {
			cp := *e
			cp.Method, cp.Path, cp.Attempts = method, path, attempts
			return &cp
		}
	}
	return err
}

// nameAttempt sets method, path and attempt number on a fresh error of one attempt,
// in place: nobody has seen it yet.
func nameAttempt(err error, method, path string, attempt int) {
	switch e := err.(type) {
	case *apierrors.APIError:
		e.Method, e.Path, e.Attempts = method, path, attempt
	case *apierrors.DecodeError:
		e.Method, e.Path, e.Attempts = method, path, attempt
	case *apierrors.TransportError:
		e.Method, e.Path, e.Attempts = method, path, attempt
	}
}

// withCause returns err with the reason the call stopped early attached, so
// errors.Is matches both the platform code and the cause. err was seen by
// the attempt's hook and log, so it is copied, never written to.
func withCause(err, cause error) error {
	switch e := err.(type) {
	case *apierrors.APIError:
		cp := *e
		cp.Err = joinCause(e.Err, cause)
		return &cp
	case *apierrors.TransportError:
		cp := *e
		cp.Err = joinCause(e.Err, cause)
		return &cp
	case *apierrors.DecodeError:
		cp := *e
		cp.Err = joinCause(e.Err, cause)
		return &cp
	}
	return err
}

// joinCause adds cause to err unless err already matches it, so a context
// deadline is not reported twice ("context deadline exceeded; context
// deadline exceeded").
func joinCause(err, cause error) error {
	switch {
	case err == nil:
		return cause
	case stderrors.Is(err, cause):
		return err
	}
	return stderrors.Join(err, cause)
}

func setRetryAfter(err error, d time.Duration) {
	if ae, ok := err.(*apierrors.APIError); ok && d > 0 {
		ae.RetryAfter = d
	}
}

// attemptInfo describes attempt n of req, started at start, for hooks and
// logs. It first completes the attempt's error with the call's method, path
// and attempt number: a fresh error nobody has seen, named before a hook or
// log sees it, and never written to afterwards.
func (c *Client) attemptInfo(n int, req *request, res result, start time.Time) AttemptInfo {
	nameAttempt(res.err, req.method, req.name, n)
	info := AttemptInfo{Attempt: n, Method: req.method, Path: req.name, Status: res.status, Err: res.err, Elapsed: c.clock.Now().Sub(start)}
	if res.err != nil {
		info.Action = apierrors.ActionFail // until the retryer decides otherwise
		info.Code, _ = apierrors.CodeOf(res.err)
		info.RequestID = apierrors.RequestIDOf(res.err)
	}
	return info
}

func (c *Client) observe(info AttemptInfo) {
	if c.hook != nil {
		c.hook(info)
	}
	if c.logger != nil && c.logger.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.Int("attempt", info.Attempt), slog.String("method", info.Method),
			slog.String("path", info.Path), slog.Int("status", info.Status),
			slog.Int("code", int(info.Code)), slog.String("action", info.Action.String()),
			slog.Duration("delay", info.Delay), slog.Duration("elapsed", info.Elapsed),
		}
		if info.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", info.RequestID))
		}
		if info.Err != nil {
			attrs = append(attrs, slog.String("error", info.Err.Error()))
		}
		c.logger.LogAttrs(context.Background(), slog.LevelDebug, "devcloud attempt", attrs...)
	}
}

// fits reports whether t is before ctx's deadline, if it has one.
func fits(ctx context.Context, t time.Time) bool {
	dl, ok := ctx.Deadline()
	return !ok || !t.After(dl)
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

func stripQuery(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		return path[:i]
	}
	return path
}
