package retrying_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/internal/retrying"
)

// now is a Thursday, so the HTTP-date forms below name the right weekday.
var now = time.Date(2025, time.January, 2, 3, 4, 5, 0, time.UTC)

const year = 365 * 24 * time.Hour

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"delay-seconds", "2", 2 * time.Second, true},
		{"delay-seconds with surrounding space", " 7 ", 7 * time.Second, true},
		{"zero seconds", "0", 0, true},
		{"negative seconds are malformed", "-1", 0, false},
		{"text is malformed", "abc", 0, false},
		{"empty value", "", 0, false},
		{"blank value", "   ", 0, false},
		{"fractional seconds are malformed", "1.5", 0, false},
		{"IMF-fixdate 5s after now", now.Add(5 * time.Second).Format(http.TimeFormat), 5 * time.Second, true},
		{"IMF-fixdate literal", "Thu, 02 Jan 2025 03:04:35 GMT", 30 * time.Second, true},
		{"IMF-fixdate equal to now is no hint", "Thu, 02 Jan 2025 03:04:05 GMT", 0, false},
		{"IMF-fixdate in the past is no hint", "Thu, 02 Jan 2025 03:00:00 GMT", 0, false},
		{"IMF-fixdate years in the past is no hint", "Sun, 06 Nov 1994 08:49:37 GMT", 0, false},
		{"RFC 850 date", "Thursday, 02-Jan-25 03:04:15 GMT", 10 * time.Second, true},
		{"ANSI C asctime date", "Thu Jan  2 03:04:25 2025", 20 * time.Second, true},
		{"date with the wrong layout", "2025-01-02T03:04:15Z", 0, false},
		{"one year of seconds is kept", "31536000", year, true},
		{"one second over a year is clamped", "31536001", year, true},
		{"huge seconds clamped to a year", "99999999999", year, true},
		{"max int64 seconds clamped to a year", "9223372036854775807", year, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retrying.ParseRetryAfter(tt.value, now)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseRetryAfterReadsDatesRelativeToNow(t *testing.T) {
	value := "Thu, 02 Jan 2025 03:05:05 GMT" // now + 1 min
	for _, tt := range []struct {
		now  time.Time
		want time.Duration
	}{
		{now, time.Minute},
		{now.Add(45 * time.Second), 15 * time.Second},
		// A clock in another zone reads the same instant.
		{now.In(time.FixedZone("CST", 8*3600)), time.Minute},
	} {
		got, ok := retrying.ParseRetryAfter(value, tt.now)
		if !ok || got != tt.want {
			t.Errorf("ParseRetryAfter(%q, %v) = %v, %v; want %v, true", value, tt.now, got, ok, tt.want)
		}
	}
}

func TestRetryAfterMeasuresDatesOnTheServersClock(t *testing.T) {
	date := func(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
	server := now.Add(-time.Hour) // the server's clock is an hour behind ours
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		wantOK bool
	}{
		{"date against the server's Date", http.Header{"Date": {date(server)}, "Retry-After": {date(server.Add(30 * time.Second))}}, 30 * time.Second, true},
		{"seconds ignore the Date", http.Header{"Date": {date(server)}, "Retry-After": {"7"}}, 7 * time.Second, true},
		{"no Date: against now", http.Header{"Retry-After": {date(now.Add(20 * time.Second))}}, 20 * time.Second, true},
		{"malformed Date: against now", http.Header{"Date": {"yesterday"}, "Retry-After": {date(now.Add(20 * time.Second))}}, 20 * time.Second, true},
		{"a date before the server's Date is no hint", http.Header{"Date": {date(server)}, "Retry-After": {date(server.Add(-time.Second))}}, 0, false},
		{"the server's Date itself is no hint", http.Header{"Date": {date(server)}, "Retry-After": {date(server)}}, 0, false},
		// Read on our clock, this date would be an hour in the past.
		{"a date past on our clock but not on the server's", http.Header{"Date": {date(server)}, "Retry-After": {date(server.Add(5 * time.Second))}}, 5 * time.Second, true},
		{"no Retry-After", http.Header{"Date": {date(server)}}, 0, false},
		{"nil header", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retrying.RetryAfter(tt.header, now)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("RetryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseRetryAfterClampsSecondsBeyondInt64(t *testing.T) {
	got, ok := retrying.ParseRetryAfter("99999999999999999999", now)
	if !ok || got != year {
		t.Fatalf("ParseRetryAfter(20 nines) = %v, %v; want %v, true", got, ok, year)
	}
}

func TestParseRetryAfterTakesDigitsOnly(t *testing.T) {
	for _, v := range []string{"+5", "5s", "1.5", "0x10"} {
		if d, ok := retrying.ParseRetryAfter(v, time.Now()); ok {
			t.Errorf("ParseRetryAfter(%q) = %v, true; want malformed", v, d)
		}
	}
}
