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

// The throttle is off until the platform says 30011; then requests take
// turns at a send rate of the client's own, and a call whose turn comes
// after its deadline fails at once, without a request, matching both
// ErrThrottled and the 30011 that set the rate.
func ExampleWithAdaptiveThrottle() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.Code(apierrors.LicenseExhausted), mock.OK(map[string]int{"Total": 2}))
	c, err := srv.NewClient(
		client.WithAdaptiveThrottle(client.ThrottleConfig{}),
		client.WithObserver(client.Observer{Throttle: func(i client.ThrottleInfo) {
			fmt.Println("throttle on:", i.On, "after a throttle answer:", i.Throttled)
		}}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	err = c.Do(context.Background(), "GET", "/v1/devices", nil, nil, client.NoRetry())
	fmt.Println("first call: 30011", errors.Is(err, apierrors.LicenseExhausted))

	sent := srv.Count("GET", "/v1/devices")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	err = c.Do(ctx, "GET", "/v1/devices", nil, nil)
	fmt.Println("second call: throttled", errors.Is(err, client.ErrThrottled),
		"30011", errors.Is(err, apierrors.LicenseExhausted),
		"requests sent", srv.Count("GET", "/v1/devices")-sent)
	// Output:
	// throttle on: true after a throttle answer: true
	// first call: 30011 true
	// second call: throttled true 30011 true requests sent 0
}
