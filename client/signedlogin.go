package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
)

// DefaultLoginPath is where the default login posts its signed request.
const DefaultLoginPath = "/v1/login"

// loginRequest is the default login's body.
type loginRequest struct {
	AppId     string //nolint:revive // the platform's field name
	Timestamp int64
	Nonce     string
	Sig       string
}

// loginResponse is the default login's success payload (inside Response).
type loginResponse struct {
	Token     string
	CSRFToken string
	ExpiresIn seconds
	RequestId string //nolint:revive // the platform's field name
}

// maxExpiresIn bounds a session's announced lifetime: a larger ExpiresIn
// would overflow time.Duration and put the expiry in the past.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

// seconds is a lifetime the platform sends as a JSON number or a numeric
// string, possibly with a fraction ("3600", 3600.5).
type seconds struct{ d time.Duration }

// UnmarshalJSON accepts a number or a numeric string; anything that is not
// a positive finite number means "not said".
func (s *seconds) UnmarshalJSON(b []byte) error {
	str := string(b)
	if len(str) >= 2 && str[0] == '"' {
		unq, err := strconv.Unquote(str)
		if err != nil {
			return nil
		}
		str = strings.TrimSpace(unq)
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil || math.IsNaN(f) || f <= 0 {
		s.d = 0
		return nil
	}
	if f >= maxExpiresIn.Seconds() {
		s.d = maxExpiresIn
		return nil
	}
	s.d = time.Duration(f * float64(time.Second))
	return nil
}

// Sign returns the default login's signature: the lowercase hex
// HMAC-SHA256, keyed by secret, of appID, timestamp and nonce joined by
// newlines.
func Sign(secret, appID string, timestamp int64, nonce string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(appID))
	m.Write([]byte{'\n'})
	m.Write(strconv.AppendInt(nil, timestamp, 10))
	m.Write([]byte{'\n'})
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// defaultLogin posts a freshly signed request (new timestamp and nonce each
// time) to the login path. On 10006 it learns the server's clock offset from
// the Date header, so the caller's next attempt is signed with the server's
// time.
func (c *Client) defaultLogin(appID, secret string) LoginFunc {
	return func(ctx context.Context) (Session, error) {
		now := c.sessions.now()
		// Never follow a redirect of the login: its signed body would go
		// wherever the answer points.
		ctx = context.WithValue(ctx, loginRequestKey{}, true)
		req := loginRequest{AppId: appID, Timestamp: now.Unix(), Nonce: uuid.NewString()}
		req.Sig = Sign(secret, appID, req.Timestamp, req.Nonce)
		c.loginSig.Store(&req.Sig)
		body, err := json.Marshal(req)
		if err != nil {
			return Session{}, &InputError{Field: "credentials", Reason: "cannot encode the login request", Err: err}
		}
		var out loginResponse
		k := &call{method: "POST", path: c.loginPath, name: c.loginPath, body: body, out: &out,
			hidden: []string{req.Sig}, login: true}
		res := c.send(ctx, k) // k.sess: none
		// A Retry-After on the login's answer (10004, 503) sets the
		// cool-down.
		if ae, ok := res.err.(*apierrors.APIError); ok {
			if d, ok := retrying.ParseRetryAfter(res.header.Get("Retry-After"), now); ok && d > 0 {
				ae.RetryAfter = d
			}
		}
		// The error is complete before the hook sees it: redacted, its
		// snippet dropped (a login body carries the session's tokens) and
		// named. The shared login decides itself whether to try again.
		action := apierrors.ActionNone
		if res.err != nil {
			action = apierrors.ActionFail
		}
		info := c.attemptInfo(k, &res, decision{action: action})
		info.Attempt = 1 // also when the breaker refused it: the login's one request
		c.observe(res.ctx, info)
		if res.err != nil {
			if code, ok := apierrors.CodeOf(res.err); ok && code == apierrors.Code(10006) {
				c.sessions.offset.learn(res.header, c.clock.Now())
			}
			return Session{}, res.err
		}
		if out.Token == "" {
			return Session{}, &apierrors.DecodeError{
				HTTPStatus: res.status,
				Reason:     "login response has no Token",
				Call:       apierrors.Call{Method: "POST", Path: c.loginPath, Attempts: 1},
			}
		}
		s := Session{Token: out.Token, CSRFToken: out.CSRFToken}
		if out.ExpiresIn.d > 0 {
			s.ExpiresAt = now.Add(out.ExpiresIn.d)
		}
		return s, nil
	}
}
