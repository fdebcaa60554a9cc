package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// TestAttemptCountsAreTrue: a call whose three logins each answered 503
// says 3 attempts, the login requests it waited for; a call that sent
// nothing (its context had ended) says 0, with or without a login.
func TestAttemptCountsAreTrue(t *testing.T) {
	t.Run("a login that sent 3 requests", func(t *testing.T) {
		f := newFakeAPI(t)
		var logins atomic.Int64
		f.loginHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
			logins.Add(1)
			write(w, reply{status: 503, body: "busy"})
			return true
		}
		f.on("GET", "/x", ok(`{}`))
		c := newClient(t, f, mock.NewFakeClock())
		err := c.Do(context.Background(), "GET", "/x", nil, nil)
		var lf *client.LoginFailedError
		if !errors.As(err, &lf) {
			t.Fatalf("err = %v, want a LoginFailedError", err)
		}
		t.Logf("%d login requests: %v", logins.Load(), err)
		if logins.Load() != 3 || attemptsOf(err) != 3 || !strings.Contains(err.Error(), "(3 attempts)") {
			t.Errorf("login requests %d, attempts %d in %q; want 3 and 3", logins.Load(), attemptsOf(err), err)
		}
	})
	for _, tt := range []struct {
		name string
		opts []client.Option
	}{
		{"no login", nil},
		{"with a login", []client.Option{client.WithCredentials("app", "secret")}},
	} {
		t.Run("a cancelled context, "+tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.on("GET", "/x", ok(`{}`))
			c, err := client.New(f.URL, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err = c.Do(ctx, "GET", "/x", nil, nil)
			if !errors.Is(err, context.Canceled) || attemptsOf(err) != 0 || len(f.requests) != 0 {
				t.Errorf("err %v (attempts %d), %d requests; want Canceled, 0, 0", err, attemptsOf(err), len(f.requests))
			}
		})
	}
}
