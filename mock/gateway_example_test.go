package mock_test

import (
	"context"
	"fmt"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// Two gateways to one fake platform, the first of which lost its backend:
// a client given both answers every call through the second.
func ExampleServer_NewGateway() {
	srv := mock.NewServer() // in a test: mock.StartServer(t), then mock.StartGateway(t, srv)
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"d1"}}))
	first, second := srv.NewGateway(), srv.NewGateway()
	defer first.Close()
	defer second.Close()
	first.Fail(mock.Code(20013)) // 获取服务器地址出错

	c, err := client.New(first.URL, append(srv.ClientConfig().ClientOptions(), client.WithEndpoints(second.URL))...)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for range 3 {
		fmt.Println(c.Do(context.Background(), "GET", "/v1/devices", nil, nil))
	}
	fmt.Println("first:", first.Requests(), "second:", second.Requests(), "platform:", srv.Count("GET", "/v1/devices"))
	// Output:
	// <nil>
	// <nil>
	// <nil>
	// first: 1 second: 4 platform: 3
}
