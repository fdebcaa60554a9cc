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
	"github.com/devcloud/devcloud-go/internal/retrying"
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
	refused bool            // by the circuit breaker: nothing was sent
	ctx     context.Context // the request's, for AttemptEnd
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
	st := &callState{req: req, idempotent: isIdempotent(req.method)}
	if req.call.idempotent != nil {
		st.idempotent = *req.call.idempotent
	}
	if !st.idempotent && req.idemKey == "" {
		req.idemKey = uuid.NewString()
	}
	ctx = c.obs.callStart(ctx, req)
	for {
		sess, err := c.session(ctx, st)
		if err != nil {
			if c.waitForLogin(ctx, st, err) {
				continue
			}
			break
		}
		st.sent++
		st.tries++
		start := c.clock.Now()
		res := c.attempt(ctx, req, st.sent, sess, out)
		if res.refused { // by the circuit breaker: nothing was sent
			st.sent--
			st.err = res.err
			break
		}
		if !c.next(ctx, st, sess, res, c.attemptInfo(st.sent, req, res, start)) {
			break
		}
	}
	err = c.finish(req, st.err, st.sent)
	c.end(ctx, req, st.sent, err)
	return err
}

// maxStaleReplays bounds the replays of one call whose session another
// call had already seen refused. Each needs a newer session, logged in by
// someone else; the bound only matters when sessions die faster than calls
// get through.
const maxStaleReplays = 10

// callState is what one call of Do knows between its attempts.
type callState struct {
	req        *request
	idempotent bool
	retryer    *retrying.Retryer // made on the first failure: most calls never need one
	lastErr    error             // the last attempt's error
	after      uint64            // a session code condemned this generation: the next session is newer
	relogged   bool              // the call has logged in again after a session code
	sent       int               // requests sent: the Attempts of the call
	tries      int               // attempts counted against the policy: a relogin's replay excluded
	logins     int               // logins the call waited for or was refused
	fresh      bool              // the session of the last attempt came from a login the call waited for
	stale      int               // replays after a session another call had already seen refused
	held       int               // retry-budget tokens the attempt in flight paid for
	err        error             // the call's result
}

// session returns the session for the next attempt: none when the client
// does not log in.
func (c *Client) session(ctx context.Context, st *callState) (Session, error) {
	if !c.hasLogin() {
		return Session{}, nil
	}
	sess, ran, err := c.sessions.get(ctx, st.after)
	if ran || err != nil {
		st.logins++
	}
	st.fresh = ran && err == nil
	return sess, err
}

// waitForLogin decides what a failed login means for the call: it waits out
// a cool-down worth waiting (10004, an unavailable login endpoint, …) and
// reports true to try again — within the call's attempts, deadline and the
// policy's Retry-After cap — or sets the call's error and reports false.
func (c *Client) waitForLogin(ctx context.Context, st *callState, err error) bool {
	if ctx.Err() == nil && !st.req.call.noRetry && st.logins < c.policy.MaxAttempts {
		wait, ok := c.sessions.cooldownLeft(err)
		switch {
		case ok && c.breaker.blocks():
			// The failure opened the breaker: no sleep for a login
			// request it would refuse.
			err = fmt.Errorf("%w (%w)", err, ErrCircuitOpen)
		case ok && wait <= c.policy.MaxRetryAfter && fits(ctx, c.clock.Now().Add(wait)):
			c.wait(ctx, WaitInfo{Action: apierrors.ActionLoginCooldown, Delay: wait, Err: err})
			if c.clock.Sleep(ctx, wait) == nil {
				return true
			}
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		// The caller's context ended while the call waited for a login
		// or its cool-down: the error matches both.
		cause := cerr
		if !stderrors.Is(err, cerr) {
			cause = stderrors.Join(cerr, err)
		}
		if st.lastErr != nil {
			st.err = withCause(st.lastErr, cause)
		} else {
			st.err = &apierrors.TransportError{Err: cause}
		}
		return false
	}
	st.err = loginFailed(err)
	return false
}

// next judges an attempt's result: it ends the call (false, st.err set,
// nil on success), or prepares the next attempt — a backoff sleep, or a
// relogin — and reports true.
func (c *Client) next(ctx context.Context, st *callState, sess Session, res result, info AttemptInfo) bool {
	if res.err == nil {
		switch {
		case st.held > 0:
			c.budget.Release(st.held) // the retry helped: it costs nothing
		case st.tries == 1:
			c.budget.Success() // no retry needed: the bucket refills
		}
		if sess.Token != "" {
			c.sessions.proven(sess.Generation)
		}
		c.observe(res.ctx, info)
		st.err = nil
		return false
	}
	if st.lastErr != nil && ctx.Err() != nil && isTransport(res.err) {
		// The deadline (or a cancel) ended this attempt before an answer:
		// the platform's last answer stays the call's error, with the
		// context's error as its cause, as when the deadline ends a
		// backoff or a login wait.
		st.err = stoppedAt(st.lastErr, ctx.Err(), st.sent)
		c.observe(res.ctx, info)
		return false
	}
	st.lastErr, st.err, st.held = res.err, res.err, 0
	if st.retryer == nil {
		st.retryer = retrying.New(c.policy, c.rnd)
	}
	d := st.retryer.Decide(ctx, retrying.Attempt{
		Number: st.tries, Err: res.err, Header: res.header,
		Idempotent: st.idempotent, IdempotencyKey: st.req.call.idempotencyKey != "",
	}, c.clock.Now())
	info.Action, info.Delay = d.Action, d.Delay
	setRetryAfter(res.err, d.RetryAfter)

	switch d.Action {
	case apierrors.ActionRelogin, apierrors.ActionReloginClockSkew:
		if c.relogin(st, sess, res, d.Action) {
			c.observe(res.ctx, info)
			return true
		}
	case apierrors.ActionRetry, apierrors.ActionRetryThrottle:
		if st.req.call.noRetry || st.req.call.noResend {
			break // noResend: Poll keeps its own schedule
		}
		if c.breaker.blocks() {
			// The next attempt would be refused: spend neither a
			// budget token nor the sleep on it.
			st.err = withCause(res.err, ErrCircuitOpen)
			break
		}
		if !fits(ctx, c.clock.Now().Add(d.Delay)) {
			st.err = withCause(res.err, fmt.Errorf("retry in %v would pass the deadline: %w", d.Delay, context.DeadlineExceeded))
			break
		}
		cost, ok := c.budget.Acquire(d.Timeout)
		if !ok {
			st.err = withCause(res.err, retry.ErrBudgetExhausted)
			break
		}
		st.held = cost
		c.observe(res.ctx, info)
		c.wait(ctx, WaitInfo{Action: d.Action, Delay: d.Delay, Attempt: st.sent, Err: res.err})
		if err := c.clock.Sleep(ctx, d.Delay); err != nil {
			st.err = withCause(res.err, err)
			return false
		}
		return true
	default:
		if d.Cause != nil {
			st.err = withCause(res.err, d.Cause)
		}
	}
	info.Action = apierrors.ActionFail
	c.observe(res.ctx, info)
	return false
}

// relogin handles a session code (10001, 10002, 10007, 10006): the session
// is condemned, so no call is handed it again, and the call is replayed on
// a newer one — once. A replay refused too ends the call; when the refused
// session was the one just issued, the refusal also counts as a failed
// login (cool-down), so a platform refusing every session costs a login per
// cool-down, not one per call; so does the refusal of a call's first
// session when it was issued after such a refusal or a failed login. A
// replay that met a session someone else had already seen refused, or one
// that had worked before it was revoked, is replayed again, within the
// call's attempts.
func (c *Client) relogin(st *callState, sess Session, res result, action apierrors.Action) bool {
	if !c.hasLogin() {
		return false
	}
	first, rejected := c.sessions.condemn(sess.Generation, st.relogged, st.fresh, res.err)
	if action == apierrors.ActionReloginClockSkew {
		c.sessions.offset.learn(res.header, c.clock.Now())
	}
	switch {
	case st.req.call.noRetry:
		return false
	case rejected:
		return false
	case !st.relogged:
		st.relogged = true
		st.tries-- // the replay is not an attempt of the policy's
	case !first && st.stale < maxStaleReplays:
		// The call was handed a session just before another call saw
		// it refused: not this call's failure; replay on the session
		// that replaces it, without counting an attempt.
		st.stale++
		st.tries--
	case st.tries >= c.policy.MaxAttempts:
		return false
	}
	st.after = max(st.after, sess.Generation)
	return true
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
func (c *Client) attempt(ctx context.Context, req *request, n int, sess Session, out any) (res result) {
	if c.breaker == nil {
		return c.send(ctx, req, n, sess, out)
	}
	record, err := c.breaker.allow(req.method, req.name)
	if err != nil {
		return result{err: err, refused: true, ctx: ctx}
	}
	sent := false
	defer func() {
		if !sent { // send panicked: the breaker must not wait for it forever
			record(notCounted, nil)
		}
	}()
	res = c.send(ctx, req, n, sess, out)
	sent = true
	record(judge(ctx, res.err), res.err)
	return res
}

// send sends one request with the session's headers and decodes the answer
// into out. It never retries.
func (c *Client) send(ctx context.Context, req *request, n int, sess Session, out any) (res result) {
	r := c.rc.R()
	if c.obs.AttemptStart != nil {
		ctx = c.obs.attemptStart(ctx, c.requestInfo(req, n, r.Header))
	}
	defer func() { res.ctx = ctx }()
	actx, timeout := ctx, c.timeout
	if req.call.timeout > 0 {
		timeout = req.call.timeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if req.idemKey != "" {
		actx = withSendOnce(actx, c.idem) // see sendOnce
	}
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
		if re := (*RedirectError)(nil); stderrors.As(err, &re) {
			err = backoff.Permanent(re) // the platform would redirect again
		}
		return result{err: c.redact(req, sess, &apierrors.TransportError{Err: err}, nil)}
	}
	raw := resp.RawBody()
	defer raw.Close()
	status, header := resp.StatusCode(), resp.Header()
	body, err := readBody(raw, resp.RawResponse.ContentLength, c.maxBody, &c.chunks)
	if err != nil {
		if err == ErrResponseTooLarge {
			// Sending the call again brings the same body back.
			err = backoff.Permanent(err)
		}
		return result{status: status, header: header, err: &apierrors.TransportError{Err: err}}
	}
	err = DecodeResponse(status, header, body, out)
	if err != nil {
		err = c.redact(req, sess, err, body)
	}
	// Decoding copied what it keeps (out, messages, snippets): the body
	// can serve the next call's read.
	c.chunks.recycle(body)
	return result{status: status, header: header, err: err}
}

// finish fills in what the call knows and the attempt did not: method, path
// and attempts (already there for an attempt's error, which attemptInfo
// completed before any hook saw it).
func (c *Client) finish(req *request, err error, sent int) error {
	if err == nil {
		return nil
	}
	err = annotate(err, req.method, req.name, sent)
	return err
}

// end tells the observer and the log how the call ended.
func (c *Client) end(ctx context.Context, req *request, sent int, err error) {
	if c.obs.CallEnd != nil {
		c.obs.CallEnd(ctx, CallResult{
			CallInfo: CallInfo{Method: req.method, Path: req.name},
			Attempts: sent, Err: err, RetryBudget: c.budget.Tokens(),
		})
	}
	if err != nil && c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "devcloud call failed",
			slog.String("method", req.method), slog.String("path", req.name),
			slog.Int("attempts", sent), slog.String("error", err.Error()))
	}
}

// loginFailed wraps a login failure so the caller can tell it from the
// call's own failure; errors.Is still matches the login's code. The login's
// error is shared by every caller that waited for it, so it is wrapped,
// never written to.
func loginFailed(err error) error {
	switch err.(type) {
	case *LoginFailedError, *LoginCooldownError:
		return err
	}
	return &LoginFailedError{Err: err}
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

// stoppedAt returns err, the call's last answer, as the call's error when
// cause ended the call after sent requests: a copy with the cause attached
// and the call's attempts.
func stoppedAt(err, cause error, sent int) error {
	err = withCause(err, cause) // a copy nobody has seen yet
	switch e := err.(type) {
	case *apierrors.APIError:
		e.Attempts = sent
	case *apierrors.DecodeError:
		e.Attempts = sent
	case *apierrors.TransportError:
		e.Attempts = sent
	}
	return err
}

// isTransport reports whether err is an attempt's transport failure: no
// answer was read.
func isTransport(err error) bool {
	_, ok := err.(*apierrors.TransportError)
	return ok
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

func (c *Client) observe(ctx context.Context, info AttemptInfo) {
	if c.obs.AttemptEnd != nil {
		c.obs.AttemptEnd(ctx, info)
	}
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
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
		c.logger.LogAttrs(ctx, slog.LevelDebug, "devcloud attempt", attrs...)
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
