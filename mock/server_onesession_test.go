package mock

import (
	"testing"
	"time"
)

func TestServerOneSessionPerAppRevokesOlderSessions(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		wantFirst  int // the first session's code after the second login
		wantSecond int
		wantLive   int
	}{
		{"default: sessions live side by side", nil, 0, 0, 3},
		{"one session per app: the older one is revoked", []Option{WithOneSessionPerApp()}, 10001, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := StartServer(t, append(tt.opts, WithApp("other", "other-secret"))...)
			srv.On("GET", "/v1/devices", OK(nil))
			c := plainClient(t, time.Second)
			_, other := login(t, c, srv.URL, "other", "other-secret", time.Now(), "o")
			_, first := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n1")
			_, second := login(t, c, srv.URL, DefaultAppID, DefaultSecret, time.Now(), "n2")
			for _, s := range []struct {
				name string
				auth auth
				want int
			}{{"first", first, tt.wantFirst}, {"second", second, tt.wantSecond}, {"other app's", other, 0}} {
				if code := do(t, c, "GET", srv.URL+"/v1/devices", s.auth, nil).code(); code != s.want {
					t.Errorf("%s session answered %d, want %d", s.name, code, s.want)
				}
			}
			if n := srv.Sessions(); n != tt.wantLive {
				t.Errorf("Sessions() = %d, want %d", n, tt.wantLive)
			}
		})
	}
}
