package mock

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// Sign returns the login signature of SPEC §1: lowercase hex of
// HMAC-SHA256(secret, appID + "\n" + timestamp + "\n" + nonce), timestamp in
// decimal Unix seconds. Tests that log in with a plain http.Client use it.
//
// It is written independently of client.Sign on purpose: the fake platform
// verifies the SDK's signatures with its own implementation, so a mistake in
// one is caught by the other.
func Sign(secret, appID string, timestamp int64, nonce string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(appID + "\n" + strconv.FormatInt(timestamp, 10) + "\n" + nonce))
	return hex.EncodeToString(mac.Sum(nil))
}

// LoginBody returns the JSON body of a default login for appID, signed with
// secret at time at, with the given nonce.
func LoginBody(appID, secret string, at time.Time, nonce string) []byte {
	ts := at.Unix()
	b, _ := json.Marshal(map[string]any{
		"AppId":     appID,
		"Timestamp": ts,
		"Nonce":     nonce,
		"Sig":       Sign(secret, appID, ts, nonce),
	})
	return b
}

// loginRequest is a login body that passed checkLogin.
type loginRequest struct {
	appID     string
	timestamp int64
	nonce     string
}

// Codes the checks answer.
const (
	codeBadRequest      = 400
	codeLoginIncomplete = 10000
	codeNotLoggedIn     = 10001
	codeLoginTimeout    = 10002
	codeLoginError      = 10003
	codeLoginTooOften   = 10004
	codeLoginSig        = 10005
	codeLoginTime       = 10006
	codeCSRF            = 10007
	codeExhausted       = 501
)

// refusal is why a login failed: the platform's code, and what was wrong
// in words a test's author can act on.
type refusal struct {
	code int
	why  string
}

// refuse is the refusal of code because of what (a format and its args).
func refuse(code int, format string, args ...any) *refusal {
	return &refusal{code: code, why: fmt.Sprintf(format, args...)}
}

// reply is the Error the login answers: the code with the catalog's text
// and what was wrong, e.g. "登录异常 (mock: unknown AppId ...)".
func (f *refusal) reply() Reply {
	r := Code(apierrors.Code(f.code))
	return r.WithMessage(r.errorMessage() + " (mock: " + f.why + ")")
}

// knownApps names the apps a login may use, for refusals.
func knownApps(apps map[string]string) string {
	s := fmt.Sprintf("mock.DefaultAppID %q signed with mock.DefaultSecret", DefaultAppID)
	if len(apps) > 1 {
		s += fmt.Sprintf(", or one of the %d apps added with mock.WithApp", len(apps)-1)
	}
	return s
}

// checkLogin parses a login body and checks its app and signature: 400 for a
// body that is not a JSON object, 10000 for a missing field, 10003 for an
// unknown app, 10005 for a wrong signature. Timestamp and nonce are the
// Server's business.
func checkLogin(body []byte, apps map[string]string) (loginRequest, *refusal) {
	var raw struct {
		AppID     string          `json:"AppId"`
		Timestamp json.RawMessage `json:"Timestamp"`
		Nonce     string          `json:"Nonce"`
		Sig       string          `json:"Sig"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return loginRequest{}, refuse(codeBadRequest, `the login body is not a JSON object {"AppId","Timestamp","Nonce","Sig"}`)
	}
	ts, ok := parseTimestamp(raw.Timestamp)
	var missing []string
	for _, f := range []struct {
		name    string
		missing bool
	}{{"AppId", raw.AppID == ""}, {"Timestamp", !ok}, {"Nonce", raw.Nonce == ""}, {"Sig", raw.Sig == ""}} {
		if f.missing {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return loginRequest{}, refuse(codeLoginIncomplete, "the login body lacks %s (Timestamp: integral Unix seconds)", strings.Join(missing, ", "))
	}
	secret, known := apps[raw.AppID]
	if !known {
		return loginRequest{}, refuse(codeLoginError, "unknown AppId %q; log in as %s", raw.AppID, knownApps(apps))
	}
	want := Sign(secret, raw.AppID, ts, raw.Nonce)
	if !hmac.Equal([]byte(want), []byte(raw.Sig)) {
		return loginRequest{}, refuse(codeLoginSig,
			"Sig is not the HMAC-SHA256 of AppId, Timestamp and Nonce with the secret of AppId %q (mock.Sign); log in as %s",
			raw.AppID, knownApps(apps))
	}
	return loginRequest{appID: raw.AppID, timestamp: ts, nonce: raw.Nonce}, nil
}

// parseTimestamp accepts an integral JSON number or a numeric string.
func parseTimestamp(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	} else {
		s = string(raw)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// loginPayload is the success body of a login.
type loginPayload struct {
	Token     string
	CSRFToken string
	ExpiresIn int64
}

func expiresIn(ttl time.Duration) int64 {
	return int64((ttl + time.Second - 1) / time.Second)
}
