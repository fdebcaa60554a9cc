package mock_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// A fake platform on a loopback port: log in as the SDK does, then call a
// route scripted to fail once with 20005 before it answers.
func ExampleServer() {
	srv := mock.NewServer() // in a test: mock.StartServer(t)
	defer srv.Close()
	srv.On("GET", "/v1/devices",
		mock.Code(20005), // 发送消息超时
		mock.OK(map[string]any{"Devices": []string{"d1", "d2"}}),
	)

	resp, err := http.Post(srv.URL+mock.DefaultLoginPath, "application/json",
		bytes.NewReader(mock.LoginBody(mock.DefaultAppID, mock.DefaultSecret, time.Now(), "nonce-1")))
	if err != nil {
		panic(err)
	}
	var login struct {
		Response struct{ Token, CSRFToken string }
	}
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()

	for range 2 {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/devices", nil)
		req.Header.Set("Authorization", "Bearer "+login.Response.Token)
		req.Header.Set("X-CSRF-Token", login.Response.CSRFToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var body struct {
			Response struct {
				Error   *struct{ Code int }
				Devices []string
			}
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if e := body.Response.Error; e != nil {
			fmt.Println(resp.StatusCode, "error", e.Code)
		} else {
			fmt.Println(resp.StatusCode, "devices", body.Response.Devices)
		}
	}
	fmt.Println("logins:", srv.Logins(), "device calls:", srv.Count("GET", "/v1/devices"))
	// Output:
	// 200 error 20005
	// 200 devices [d1 d2]
	// logins: 1 device calls: 2
}

// Unit-testing an application's own retry against the in-process Mock. In a
// test, pass t to mock.New: an unscripted request or one past Exhausted then
// fails it.
func ExampleMock_On() {
	m := mock.New(nil)
	m.On("GET", "/v1/devices/d1",
		mock.HTML(502, ""),                           // the gateway's page
		mock.OK(map[string]string{"Name": "boiler"}), // then the device
		mock.Exhausted(),                             // and no third call
	)

	// The application code under test: one retry on a 5xx.
	fetch := func(hc *http.Client, url string) (string, error) {
		var last string
		for range 2 {
			resp, err := hc.Get(url)
			if err != nil {
				return "", err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				var v struct{ Response struct{ Name string } }
				err := json.Unmarshal(body, &v)
				return v.Response.Name, err
			}
			last = resp.Status
		}
		return "", fmt.Errorf("gave up after %s", last)
	}

	name, err := fetch(m.HTTPClient(), m.BaseURL()+"/v1/devices/d1")
	fmt.Println(name, err)
	for _, c := range m.Requests() {
		fmt.Println(c)
	}
	// Output:
	// boiler <nil>
	// #1 GET /v1/devices/d1 -> html (HTTP 502)
	// #2 GET /v1/devices/d1 -> ok
}

// What a Code reply puts on the wire: the catalog's text in the Response
// envelope, in a 200 for a logic code.
func ExampleCode() {
	m := mock.New(nil)
	m.On("POST", "/v1/messages", mock.Code(20005).WithRequestID("req-1").WithRetryAfter(2*time.Second))

	resp, err := m.HTTPClient().Post(m.BaseURL()+"/v1/messages", "application/json", strings.NewReader(`{"Text":"hi"}`))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), "Retry-After:", resp.Header.Get("Retry-After"))
	fmt.Println(string(body))
	// Output:
	// 200 application/json; charset=utf-8 Retry-After: 2
	// {"Response":{"Error":{"Code":20005,"Message":"发送消息超时"},"RequestId":"req-1"}}
}

// The session storm: every holder of the ended session gets 10001 until one
// of them logs in again; a client that collapses its relogins makes exactly
// one. Here the SDK client shares its session between 50 goroutines.
func ExampleServer_InvalidateSessions() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		panic(err)
	}

	srv.InvalidateSessions()
	errs := make(chan error, 50)
	for range 50 {
		go func() { errs <- c.Do(ctx, "GET", "/v1/devices", nil, nil) }()
	}
	failed := 0
	for range 50 {
		if <-errs != nil {
			failed++
		}
	}
	fmt.Println("failed calls:", failed, "logins:", srv.Logins())
	// Output:
	// failed calls: 0 logins: 2
}

// The Mock models dying sessions too: after InvalidateSessions every
// request with the old token gets 10001, without using up any script, until
// the client logs in again. So a relogin storm works with the fast flavour.
func ExampleMock_InvalidateSessions() {
	m := mock.New(nil)
	m.On("GET", "/v1/devices", mock.OK(nil))
	c, err := m.NewClient()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		panic(err)
	}

	m.InvalidateSessions()
	errs := make(chan error, 20)
	for range 20 {
		go func() { errs <- c.Do(ctx, "GET", "/v1/devices", nil, nil) }()
	}
	failed := 0
	for range 20 {
		if <-errs != nil {
			failed++
		}
	}
	fmt.Println("failed calls:", failed, "logins:", m.Logins())
	// Output:
	// failed calls: 0 logins: 2
}

// One FakeClock can drive both the SDK client and the fake platform: the
// session expires on the platform when the test moves the clock, and the
// client's retries take no time.
func ExampleWithPlatformClock() {
	clk := mock.NewFakeClock()
	srv := mock.NewServer(mock.WithPlatformClock(clk), mock.WithSessionTTL(10*time.Minute))
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, err := srv.NewClient(client.WithClock(clk))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		panic(err)
	}

	clk.Advance(time.Hour) // the session is long gone, by both clocks
	if err := c.Do(ctx, "GET", "/v1/devices", nil, nil); err != nil {
		panic(err)
	}
	fmt.Println("logins:", srv.Logins())
	// Output:
	// logins: 2
}

// A Gate makes a reply as slow as the test needs, without a sleep: the
// request waits at the gate until the test opens it, so the test can act
// while the call is known to be in flight (cancel it, start another, expire
// a session).
func ExampleGate() {
	m := mock.New(nil)
	gate := mock.NewGate()
	m.On("GET", "/v1/devices", mock.OK(map[string]int{"Total": 1}).WithGate(gate))

	done := make(chan int)
	go func() {
		resp, err := m.HTTPClient().Get(m.BaseURL() + "/v1/devices")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-gate.Arrived()
	fmt.Println("in flight:", m.Count("GET", "/v1/devices"))
	gate.Open()
	fmt.Println("answered:", <-done)
	// Output:
	// in flight: 1
	// answered: 200
}

// A route is a ServeMux pattern; a Func computes the reply from the
// request, here after two scripted 20005s the SDK retries.
func ExampleFunc() {
	m := mock.New(nil) // in a test: mock.New(t)
	m.On("GET", "/v1/devices/{id}",
		mock.Code(20005).Times(2),
		mock.Func(func(r *mock.Request) mock.Reply {
			if r.PathValue("id") == "gone" {
				return mock.Code(404)
			}
			return mock.OK(map[string]string{"DeviceId": r.PathValue("id"), "Channel": r.Query.Get("channel")})
		}),
	)
	c, _ := m.NewClient(client.WithClock(mock.NewFakeClock())) // retries wait no real time
	ctx := context.Background()

	var d struct{ DeviceId, Channel string }
	err := c.Do(ctx, "GET", "/v1/devices/cam-7?channel=2", nil, &d)
	fmt.Println(d.DeviceId, d.Channel, err)
	err = c.Do(ctx, "GET", "/v1/devices/gone", nil, nil)
	fmt.Println(errors.Is(err, apierrors.Code(404)))
	fmt.Println(m.Count("GET", "/v1/devices/{id}"), "requests;", m.Requests()[1].Pattern)
	// Output:
	// cam-7 2 <nil>
	// true
	// 4 requests; GET /v1/devices/{id}
}

// Matchers split one pattern into routes by query, header or JSON body;
// the route without a matcher answers the rest.
func ExampleMock_OnMatch() {
	m := mock.New(nil) // in a test: mock.New(t)
	m.OnMatch("GET", "/v1/devices", mock.QueryIs("type", "camera"), mock.OK(map[string]any{"Total": 3}))
	m.On("GET", "/v1/devices", mock.OK(map[string]any{"Total": 10}))
	m.OnMatch("POST", "/v1/commands", mock.JSONBodyHas(map[string]string{"Op": "reboot"}), mock.Code(20001))
	m.On("POST", "/v1/commands", mock.OK(nil))
	c, _ := m.NewClient()
	ctx := context.Background()

	var cams, all struct{ Total int }
	_ = c.Do(ctx, "GET", "/v1/devices?type=camera", nil, &cams)
	_ = c.Do(ctx, "GET", "/v1/devices", nil, &all)
	reboot := c.Do(ctx, "POST", "/v1/commands", map[string]string{"DeviceId": "cam-7", "Op": "reboot"}, nil)
	pan := c.Do(ctx, "POST", "/v1/commands", map[string]string{"DeviceId": "cam-7", "Op": "pan"}, nil)
	fmt.Println(cams.Total, all.Total, errors.Is(reboot, apierrors.InsufficientPermission), pan)
	// Output:
	// 3 10 true <nil>
}

// Responders of your own on the httpmock transport answer what no
// scripted route matches, and the Mock records their requests too.
func ExampleMock_Transport() {
	m := mock.New(nil) // in a test: mock.New(t)
	m.Transport().RegisterRegexpResponder("GET", regexp.MustCompile(`/v1/legacy/\d+$`),
		httpmock.NewStringResponder(200, `{"Response":{"Legacy":true}}`))
	c, _ := m.NewClient()

	var out struct{ Legacy bool }
	err := c.Do(context.Background(), "GET", "/v1/legacy/42", nil, &out)
	last := m.Requests()[len(m.Requests())-1]
	fmt.Println(out.Legacy, err, last.Path, last.Reply, m.Count("GET", "/v1/legacy/42"))
	// Output:
	// true <nil> /v1/legacy/42 responder 1
}

// A File serves a recording with ranges and validators, and here cuts its
// first transfer at 1 MiB: the SDK resumes it with a Range.
func ExampleFile() {
	f := mock.GeneratedFile(3 << 20).ResetAt(1 << 20)
	m := mock.New(nil)
	m.On("GET", "/v1/recordings/{id}", f.Reply())
	c, _ := m.NewClient(client.WithClock(mock.NewFakeClock()))

	var out bytes.Buffer
	err := c.Do(context.Background(), "GET", "/v1/recordings/rec-1", nil, &out)
	fmt.Println(err, out.Len(), f.Ranges(), sha256.Sum256(out.Bytes()) == f.SHA256())
	// Output: <nil> 3145728 [ bytes=1048576-] true
}
