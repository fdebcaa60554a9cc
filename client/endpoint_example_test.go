package client_test

import (
	"context"
	"fmt"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// A platform reached through two gateways: when the first dies, calls go
// on through the second at once, without a failed call or a backoff sleep.
func ExampleWithEndpoints() {
	srv := mock.NewServer() // in a test: mock.StartServer(t)
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"d1", "d2"}}))
	first, second := srv.NewGateway(), srv.NewGateway()
	defer second.Close()

	c, err := client.New(first.URL, append(srv.ClientConfig().ClientOptions(),
		client.WithEndpoints(second.URL),
		client.WithObserver(client.Observer{
			EndpointChange: func(_ context.Context, e client.EndpointInfo) {
				name := map[string]string{first.URL: "first", second.URL: "second"}[e.URL]
				fmt.Printf("the %s gateway set aside: %v\n", name, e.SetAside)
			},
		}))...)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	ctx := context.Background()
	for i := range 4 {
		if i == 2 {
			first.Close() // the gateway dies
		}
		var out struct{ Devices []string }
		err := c.Do(ctx, "GET", "/v1/devices", nil, &out)
		fmt.Println(out.Devices, err)
	}
	fmt.Println("requests through the first gateway:", first.Requests(), "the second:", second.Requests())
	// Output:
	// [d1 d2] <nil>
	// [d1 d2] <nil>
	// the first gateway set aside: true
	// [d1 d2] <nil>
	// [d1 d2] <nil>
	// requests through the first gateway: 3 the second: 2
}
