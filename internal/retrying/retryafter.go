package retrying

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads the Retry-After of a response's header h. Seconds are
// taken as they are. An HTTP date is measured on the server's clock, against
// the response's own Date header, so a client whose clock is off still waits
// what the server meant; only without a valid Date is it measured against
// now. A date that is not after the server's now is no hint: RetryAfter
// reports false and the normal backoff applies.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return ParseRetryAfter(v, now)
}

// ParseRetryAfter reads a Retry-After header value: delay-seconds ("2") or an
// HTTP date, taken relative to now (the server's now, when it is known: see
// RetryAfter). It reports false for an empty or malformed value, and for a
// date that is not after now: a moment already past gives no delay to wait.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if value[0] >= '0' && value[0] <= '9' {
		// delay-seconds is digits only (RFC 9110 §10.2.3); anything longer
		// than a year, even past int64, is a year.
		const year = 365 * 24 * 60 * 60
		secs, err := strconv.ParseUint(value, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false
		}
		if err != nil || secs > year {
			secs = year
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if !t.After(now) {
		return 0, false
	}
	return t.Sub(now), true
}
