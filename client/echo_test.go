package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// TestEchoedRequestBodyIsRedacted: a platform that echoes the request body
// in its message, whole or a field of it, in a JSON error and in an HTML
// page, never puts what the body carried into the error's text, its
// fields, or the client's log.
func TestEchoedRequestBodyIsRedacted(t *testing.T) {
	const pin, code = "canary-pin-4412", "canary-wx-code-9"
	in := map[string]any{"Device": "cam", "Auth": map[string]any{"Pin": pin, "Codes": []any{code}, "Card": 41111111}}
	for _, tt := range []struct {
		name string
		echo func(body string) reply
	}{
		{"whole body in Message", func(b string) reply {
			m, _ := json.Marshal("bad request: " + b)
			return reply{status: 400, body: `{"Error":{"Code":10000,"Message":` + string(m) + `}}`}
		}},
		{"one field in Message", func(string) reply {
			return reply{status: 200, body: `{"Error":{"Code":20001,"Message":"pin ` + pin + ` and code ` + code + ` refused"}}`}
		}},
		{"HTML page", func(b string) reply { return reply{status: 502, body: "<html>" + b + "</html>"} }},
		{"a number in Message", func(string) reply {
			return reply{status: 400, body: `{"Error":{"Code":10000,"Message":"card 41111111 declined"}}`}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			platform := platformFunc(func(r *http.Request) (reply, error) {
				b, _ := io.ReadAll(r.Body)
				return tt.echo(string(b)), nil
			})
			var log bytes.Buffer
			c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy(),
				client.WithLogger(slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			err := c.Do(context.Background(), "POST", "/v1/bind", in, nil, client.NoRetry())
			if err == nil {
				t.Fatal("no error")
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), log.String()} {
				if strings.Contains(text, pin) || strings.Contains(text, code) || strings.Contains(text, "41111111") {
					t.Errorf("a body value reached %q", text)
				}
			}
		})
	}
}

// TestCallersSessionHeaderReplacesTheClients: Header("Authorization", …)
// replaces the session's header: the platform sees one value, the
// caller's; Header twice under one name sends both.
func TestCallersSessionHeaderReplacesTheClients(t *testing.T) {
	var got http.Header
	platform := platformFunc(func(r *http.Request) (reply, error) {
		got = r.Header.Clone()
		return ok(`{}`), nil
	})
	login := func(context.Context) (client.Session, error) {
		return client.Session{Token: "sdk-token", CSRFToken: "sdk-csrf"}, nil
	}
	c := budgetClient(t, platform, mock.NewFakeClock(), retry.DefaultPolicy(), client.WithLogin(login), client.WithHeader("X-Tenant", "t1"))
	err := c.Do(context.Background(), "GET", "/v1/x", nil, nil,
		client.Header("authorization", "Bearer mine"), client.Header("X-Tenant", "t2"), client.Header("X-Tenant", "t3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Authorization %q, X-Csrf-Token %q, X-Tenant %q", got.Values("Authorization"), got.Values("X-Csrf-Token"), got.Values("X-Tenant"))
	if a := got.Values("Authorization"); len(a) != 1 || a[0] != "Bearer mine" {
		t.Errorf("Authorization = %q, want exactly [Bearer mine]", a)
	}
	if v := got.Values("X-Csrf-Token"); len(v) != 1 || v[0] != "sdk-csrf" {
		t.Errorf("X-Csrf-Token = %q, want the session's", v)
	}
	if v := got.Values("X-Tenant"); len(v) != 2 || v[0] != "t2" || v[1] != "t3" {
		t.Errorf("X-Tenant = %q, want [t2 t3]", v)
	}
}
