package client_test

import (
	"context"
	"fmt"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// Stats is a snapshot of a client's counters, for a dashboard or a health
// check: here one login, and a retry budget that a retry which succeeded did
// not drain.
func ExampleClient_Stats() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Code(503), mock.OK(nil))
	c, err := srv.NewClient(client.WithClock(mock.NewFakeClock()))
	if err != nil {
		panic(err)
	}
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
		panic(err)
	}
	s := c.Stats()
	fmt.Println("logins:", s.Logins, "retry tokens:", s.RetryTokens)
	// Output:
	// logins: 1 retry tokens: 500
}
