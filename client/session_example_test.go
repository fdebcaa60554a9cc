package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// Replicas of an app that share a session store log in once between them:
// the store's login lease lets one log in while the others wait for the
// session it stores. NewMemoryStore shares it between clients of one
// process; a store shared by processes (Redis) implements the same
// client.LoginLease.
func ExampleNewMemoryStore() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []any{}}))

	store := client.NewMemoryStore()
	a, _ := srv.NewClient(client.WithSessionStore(store))
	b, _ := srv.NewClient(client.WithSessionStore(store))
	defer a.Close()
	defer b.Close()

	for _, c := range []*client.Client{a, b, a, b} {
		if err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println("logins:", srv.Logins())
	// Output: logins: 1
}

// Close stops what a client does in the background — a login refreshing
// the session ahead of its expiry — and waits for it. A call that needs a
// login afterwards fails with ErrClosed.
func ExampleClient_Close() {
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/devices", mock.OK(nil))
	c, _ := srv.NewClient()

	err := c.Do(context.Background(), "GET", "/v1/devices", nil, nil)
	fmt.Println(err)
	c.Close()

	c2, _ := srv.NewClient()
	c2.Close()
	err = c2.Do(context.Background(), "GET", "/v1/devices", nil, nil)
	fmt.Println(errors.Is(err, client.ErrClosed))
	// Output:
	// <nil>
	// true
}
