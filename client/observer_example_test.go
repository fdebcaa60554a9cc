package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// An Observer sees a call, its attempts and the waits between them, each
// with the call's context; an application's own metrics or tracing plug in
// here (devcloudotel is such an Observer).
func ExampleWithObserver() {
	srv := mock.NewServer() // a fake platform on loopback
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Status(503), mock.OK(nil))

	obs := client.Observer{
		CallStart: func(ctx context.Context, call client.CallInfo) context.Context {
			fmt.Println("call", call.Method, call.Path)
			return ctx
		},
		AttemptEnd: func(_ context.Context, a client.AttemptInfo) {
			if a.Login {
				fmt.Println("  login request:", a.Status)
				return
			}
			fmt.Printf("  attempt %d: %d, then %s\n", a.Attempt, a.Status, a.Action)
		},
		Wait: func(_ context.Context, w client.WaitInfo) {
			fmt.Printf("  %s: sleep before attempt %d\n", w.Action, w.Attempt+1)
		},
		CallEnd: func(_ context.Context, call client.CallResult) {
			fmt.Println("done after", call.Attempts, "attempts, error:", call.Err)
		},
	}
	c, err := srv.NewClient(client.WithObserver(obs))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// call GET /v1/devices
	//   login request: 200
	//   attempt 1: 503, then retry
	//   retry: sleep before attempt 2
	//   attempt 2: 200, then none
	// done after 2 attempts, error: <nil>
}
