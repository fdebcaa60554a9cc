package mock

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A refused login says what was wrong and which app the mock knows, so a
// test's author need not read the mock's source to fix the login.
func TestLoginRefusalsNameWhatWasWrong(t *testing.T) {
	clk := NewFakeClock()
	now := clk.Now()
	tests := []struct {
		name     string
		body     []byte
		code     int
		mentions []string
		server   bool // only the Server checks timestamps and nonces
	}{
		{"unknown AppId", LoginBody("stranger", "s", now, "n1"), 10003,
			[]string{"登录异常", `unknown AppId "stranger"`, `mock.DefaultAppID "devcloud-mock-app"`, "mock.DefaultSecret", "1 apps added with mock.WithApp"}, false},
		{"wrong signature", LoginBody(DefaultAppID, "not-the-secret", now, "n2"), 10005,
			[]string{"登录sig错误", "Sig is not the HMAC-SHA256", `AppId "devcloud-mock-app"`, `mock.DefaultAppID "devcloud-mock-app"`}, false},
		{"missing fields", []byte(`{"AppId":"devcloud-mock-app","Timestamp":"soon"}`), 10000,
			[]string{"lacks Timestamp, Nonce, Sig"}, false},
		{"not an object", []byte(`[1]`), 400, []string{"not a JSON object"}, false},
		{"stale timestamp", LoginBody(DefaultAppID, DefaultSecret, now.Add(-10*time.Minute), "n3"), 10006,
			[]string{"Timestamp ", "is 10m0s behind the server's clock", "the window is ±5m0s"}, true},
		{"timestamp ahead", LoginBody(DefaultAppID, DefaultSecret, now.Add(7*time.Minute), "n4"), 10006,
			[]string{"is 7m0s ahead of the server's clock"}, true},
	}
	for _, fl := range flavours {
		for _, tt := range tests {
			if tt.server && fl.name != "Server" {
				continue
			}
			t.Run(fl.name+"/"+tt.name, func(t *testing.T) {
				p, base, c, _ := fl.start(t, WithApp("other-app", "other-secret"), WithPlatformClock(clk))
				got := do(t, c, "POST", base+DefaultLoginPath, auth{}, tt.body)
				if got.code() != tt.code {
					t.Fatalf("got %v, want code %d", got, tt.code)
				}
				msg := got.message()
				for _, want := range tt.mentions {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q lacks %q", msg, want)
					}
				}
				if strings.Contains(msg, DefaultSecret) || strings.Contains(msg, "other-secret") {
					t.Errorf("message %q shows a secret", msg)
				}
				p.AssertLogins(t, 0)
			})
		}
	}
}

func TestServerRefusalsOfReplaysAndRateLimitSayWhy(t *testing.T) {
	srv := StartServer(t, WithLoginRateLimit(2, time.Minute))
	c := plainClient(t, 0)
	body := LoginBody(DefaultAppID, DefaultSecret, time.Now(), "once")
	for i, want := range []struct {
		code    int
		mention string
	}{
		{0, ""},
		{10005, `Nonce "once" of AppId "devcloud-mock-app" was used by an earlier login`},
		{10004, "3 login attempts within 1m0s, more than the 2 of WithLoginRateLimit"},
	} {
		got := do(t, c, "POST", srv.URL+DefaultLoginPath, auth{}, body)
		if got.code() != want.code || !strings.Contains(got.message(), want.mention) {
			t.Errorf("login %d: %v, want code %d mentioning %q", i+1, got, want.code, want.mention)
		}
	}
	srv.AssertLogins(t, 1)
}

// message returns the Error's Message in an enveloped body.
func (a *answer) message() string {
	var env struct {
		Response struct{ Error struct{ Message string } }
	}
	_ = json.Unmarshal(a.body, &env)
	return env.Response.Error.Message
}
