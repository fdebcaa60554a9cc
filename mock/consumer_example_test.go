package mock_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/mock"
)

// deviceNames is the application code under test: it lists the devices'
// names through the SDK.
func deviceNames(ctx context.Context, c *client.Client) ([]string, error) {
	var list struct{ Devices []struct{ Name string } }
	if err := c.Do(ctx, "GET", "/v1/devices", nil, &list); err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	names := make([]string, len(list.Devices))
	for i, d := range list.Devices {
		names[i] = d.Name
	}
	return names, nil
}

// An application's unit test with the httpmock flavour: script the
// platform's answers, error codes included, and assert what was called. In a
// test, pass t instead of nil so unmatched calls fail it.
func ExampleNew_consumerTest() {
	m := mock.New(nil)
	m.On("GET", "/v1/devices",
		mock.Code(20005), // 发送消息超时: the SDK retries it
		mock.OK(map[string]any{"Devices": []map[string]string{{"Name": "front door"}, {"Name": "garage"}}}),
	)
	c, _ := m.NewClient()

	names, err := deviceNames(context.Background(), c)

	fmt.Println(names, err)
	fmt.Println("device calls:", m.Count("GET", "/v1/devices"), "logins:", m.Logins())
	// Output:
	// [front door garage] <nil>
	// device calls: 2 logins: 1
}

// An end-to-end test against the loopback fake platform: real HTTP, a real
// signed login, and a session the platform expires mid-run.
func ExampleStartServer_consumerTest() {
	srv := mock.NewServer() // in a test: srv := mock.StartServer(t)
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []map[string]string{{"Name": "boiler"}}}))
	srv.On("POST", "/v1/licences", mock.Code(20001))
	c, _ := srv.NewClient()
	ctx := context.Background()

	names, _ := deviceNames(ctx, c)
	srv.ExpireSessions() // the next call meets 10002 and the SDK logs in again
	again, _ := deviceNames(ctx, c)
	err := c.Do(ctx, "POST", "/v1/licences", map[string]string{"DeviceId": "boiler"}, nil)

	fmt.Println(names, again, "logins:", srv.Logins())
	fmt.Println(errors.Is(err, apierrors.InsufficientPermission), srv.Count("POST", "/v1/licences"))
	// Output:
	// [boiler] [boiler] logins: 2
	// true 1
}
