package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/retry"
)

// The quick start: a client with the app's credentials, one call, and the
// payload in a struct. The client logs in by itself, retries what is worth
// retrying and logs in again when the session dies.
func Example_quickStart() {
	c, err := client.New("https://api.devcloud.example",
		client.WithCredentials(os.Getenv("DEVCLOUD_APP_ID"), os.Getenv("DEVCLOUD_SECRET")))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var list struct {
		Devices []struct{ Id, Name string }
	}
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &list); err != nil {
		log.Fatal(err) // a typed error: see Example_errorHandling
	}
	fmt.Println(len(list.Devices), "devices")
}

// Failures are typed: match a code with errors.Is, read the details with
// errors.As, or branch on a category.
func Example_errorHandling() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("POST", "/v1/licences", mock.Code(30011).WithRequestID("req-42"))
	c, _ := srv.NewClient(client.WithPolicy(fastRetries()))

	err := c.Do(context.Background(), "POST", "/v1/licences", map[string]string{"DeviceId": "cam-1"}, nil)

	if errors.Is(err, apierrors.LicenseExhausted) {
		fmt.Println("licences used up; try later")
	}
	var apiErr *apierrors.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(int(apiErr.Code), apiErr.Message, apiErr.RequestID, apiErr.Attempts)
	}
	fmt.Println("throttle:", apierrors.IsThrottle(err), "retryable:", apierrors.IsRetryable(err))
	// Output:
	// licences used up; try later
	// 30011 license已用完，请稍后再试 req-42 3
	// throttle: true retryable: true
}

// fastRetries keeps the examples quick and their output fixed: the
// default policy with 1 ms intervals and no jitter.
func fastRetries() *retry.Policy {
	p := retry.DefaultPolicy()
	p.Backoff = retry.Backoff{Initial: time.Millisecond, Multiplier: 2, Max: 10 * time.Millisecond}
	p.ThrottleBackoff = p.Backoff
	return p
}

// Every row of the retry table can be overridden per client.
func ExampleWithPolicy() {
	p := retry.DefaultPolicy()
	p.SetAction(apierrors.SendMessageTimeout, apierrors.ActionFail) // never retry 20005
	p.Set(apierrors.DataNotFound, retry.Rule{                       // retry 20002 up to 5 times
		Action:      apierrors.ActionRetry,
		MaxAttempts: 5,
		Backoff:     &retry.Backoff{Initial: 50 * time.Millisecond, Multiplier: 2, Max: time.Second, Jitter: 1},
	})
	p.Budget.Disabled = true // no retry budget

	c, err := client.New("https://api.devcloud.example", client.WithPolicy(p),
		client.WithCredentials("app-id", "secret"))
	fmt.Println(c != nil, err)
	// Output: true <nil>
}

// Call returns the payload as a value of the type it is asked for.
func ExampleCall() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices/cam-1", mock.OK(map[string]any{"Id": "cam-1", "Name": "front door"}))
	c, _ := srv.NewClient()

	type Device struct{ Id, Name string }
	dev, err := client.Call[Device](context.Background(), c, "GET", "/v1/devices/cam-1", nil)
	fmt.Println(dev.Name, err)
	// Output: front door <nil>
}

// An attempt hook sees every attempt: its code, the action taken and the
// delay before the next one.
func ExampleWithAttemptHook() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/streams", mock.Code(20005), mock.OK(map[string]any{}))
	c, _ := srv.NewClient(client.WithPolicy(fastRetries()), client.WithAttemptHook(func(a client.AttemptInfo) {
		switch {
		case a.Login:
		case a.Err == nil:
			fmt.Println("attempt", a.Attempt, a.Method, a.Path, "ok")
		default:
			fmt.Println("attempt", a.Attempt, a.Method, a.Path, "code", int(a.Code), "→", a.Action, a.Delay)
		}
	}))
	c.Do(context.Background(), "GET", "/v1/streams", nil, nil)
	// Output:
	// attempt 1 GET /v1/streams code 20005 → retry 1ms
	// attempt 2 GET /v1/streams ok
}
