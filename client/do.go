package client

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
)

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
//
// Files stream: an io.Reader in is sent as it is read (an io.ReadSeeker is
// rewound for every attempt; any other reader is sent once, see
// ErrBodyNotReplayable), and an io.Writer out receives a 2xx body as it
// arrives, resumed with a Range where a cut left it (see
// ErrDownloadChanged, WithMaxDownloadBytes, Progress).
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...CallOption) error {
	return c.do(ctx, method, path, in, out, nil, opts)
}

// do is Do with Poll's settings, which no CallOption can set.
func (c *Client) do(ctx context.Context, method, path string, in, out any, poll *pollCall, opts []CallOption) error {
	if ctx == nil {
		return &InputError{Field: "ctx", Reason: "nil context"}
	}
	k, err := c.prepare(method, path, in, out, poll, opts)
	if err != nil {
		return err
	}
	defer c.settle(k) // also when a hook panics: a retry's tokens never stay in flight
	ctx = c.obs.callStart(ctx, k)
	// Each round is one attempt — session, the client's steps, the
	// request — judged by one chain of classifiers; carry does what the
	// judgement says (wait, replay, stop). Every end of the call leaves
	// through the one break.
	for {
		// The result lives in the call: the classifiers are function
		// values, so a local passed to them would move to the heap.
		res := &k.res
		*res = c.attempt(ctx, k)
		d := c.judge(ctx, k, res)
		if !c.carry(ctx, k, res, d) {
			break
		}
	}
	return c.finish(ctx, k)
}

// call is one call of Do: what it sends, prepared once for all its
// attempts, and what it has learnt between them.
type call struct {
	method, path string
	name         string // path without query, for errors, logs and hooks
	body         []byte
	upload       *upload   // a streamed body (upload.go); nil for most calls
	download     *download // a streamed answer (download.go); nil for most calls
	out          any
	idemKey      string
	idempotent   bool // the method is, or the caller said so
	opts         callConfig
	poll         *pollCall // Poll's settings, nil for Do
	hidden       []string  // values its errors must never show besides the query's: a signature
	login        bool      // the default login's request
	ownSession   bool      // the caller sends its own session header: a session code is about that one

	sent    int               // requests sent: the Attempts of the call
	tries   int               // attempts counted against the policy
	retryer *retrying.Retryer // made on the first failure: most calls never need one
	last    error             // the last answer's error
	held    int               // retry-budget tokens the attempt in flight paid for
	err     error             // the call's result
	ticket  ticket            // the session layer's account of this call
	sess    Session           // the session of the attempt in flight (zero: none)

	exchange exchange // the request in flight
	res      result   // what it came back with
	url      url.URL  // the URL of the first request the client builds for it (request.go)
	urlTaken bool     // url is that request's
}

// pollCall is what Poll sets on its calls: the client never sends a poll
// again after a retryable failure (Poll keeps its own schedule; a relogin
// replay still happens), and each attempt's timeout replaces WithTimeout's.
type pollCall struct {
	timeout time.Duration
}

// attempt makes the call's next attempt: it gets the session and sends the
// request down the client's steps. A session that cannot be had ends the
// attempt before any step.
func (c *Client) attempt(ctx context.Context, k *call) result {
	sess, err := c.sessions.session(ctx, &k.ticket)
	if err != nil {
		return result{err: err, noSession: true, ctx: ctx}
	}
	k.sess = sess
	return c.send(ctx, k)
}

// send sends one request of k with its session (k.sess) through the
// client's steps. It is also how the default login sends its request.
func (c *Client) send(ctx context.Context, k *call) result {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	// The exchange lives in the call, which is on the heap already: one
	// allocation fewer per attempt.
	a := &k.exchange
	*a = exchange{k: k, n: k.sent + 1, steps: c.steps, base: c.baseURL}
	// Only an observer or a log reads how long the attempt took.
	timed := c.obs.AttemptEnd != nil || c.logger != nil
	var start time.Time
	if timed {
		start = c.clock.Now()
	}
	res := a.next(ctx)
	if timed {
		res.elapsed = c.clock.Now().Sub(start)
	}
	if !res.refused {
		k.sentOne(res.err)
	}
	return res
}

// sentOne counts a request of k that was sent and names its error.
func (k *call) sentOne(err error) {
	k.sent++
	k.tries += k.ticket.counts()
	// Complete before any hook, log or caller sees it.
	nameAttempt(err, k.method, k.name, k.sent)
}

// ended is the result of an attempt whose context ended before it was
// sent: nothing is sent, and the call's Attempts stay true.
func ended(ctx context.Context) result {
	return result{err: &apierrors.TransportError{Err: ctx.Err()}, refused: true, ctx: ctx}
}

// finish ends the call: its error gets what the call knows (method, path,
// attempts), and the observer and the log are told.
func (c *Client) finish(ctx context.Context, k *call) error {
	err := k.err
	if err != nil {
		err = annotate(err, k.method, k.name, k.sent)
	}
	if c.obs.CallEnd != nil {
		c.obs.CallEnd(ctx, CallResult{
			CallInfo: CallInfo{Method: k.method, Path: k.name},
			Attempts: k.sent, Err: err, RetryBudget: c.budget.Tokens(),
		})
	}
	if err != nil && c.logger != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "devcloud call failed",
			slog.String("method", k.method), slog.String("path", k.name),
			slog.Int("attempts", k.sent), slog.String("error", err.Error()))
	}
	return err
}

// settle gives the retry budget back what a retry of k took and never got
// its answer for: the call ended (or a hook panicked) before it.
func (c *Client) settle(k *call) {
	if k.held > 0 {
		c.budget.Forfeit(k.held)
		k.held = 0
	}
}
