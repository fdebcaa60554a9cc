package client_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// A platform that answers 503 to everything: the breaker opens after 5
// failed attempts, and the third call fails at once without a request,
// still carrying the last 503. A zero field keeps its default (5 failures,
// 50 %, 1 probe); this one sets the window and the open time.
func ExampleWithCircuitBreaker() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Code(503))
	c, err := srv.NewClient(
		client.WithPolicy(fastRetries()),
		client.WithCircuitBreaker(client.BreakerConfig{
			Window:  time.Minute,
			OpenFor: time.Minute,
			OnStateChange: func(from, to client.BreakerState) {
				fmt.Println("breaker:", from, "→", to)
			},
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	for i := 1; i <= 3; i++ {
		err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil)
		fmt.Printf("call %d: 503 %v, circuit open %v\n", i,
			errors.Is(err, apierrors.ServiceUnavailable), errors.Is(err, client.ErrCircuitOpen))
	}
	fmt.Println("requests:", srv.Count("GET", "/v1/devices"), "state:", c.BreakerState())
	// Output:
	// call 1: 503 true, circuit open false
	// breaker: closed → open
	// call 2: 503 true, circuit open true
	// call 3: 503 true, circuit open true
	// requests: 5 state: open
}
