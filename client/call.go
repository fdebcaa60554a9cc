package client

import "context"

// Call is Do with the success payload returned as a value of type T:
//
//	dev, err := client.Call[Device](ctx, c, "GET", "/v1/devices/42", nil)
func Call[T any](ctx context.Context, c *Client, method, path string, in any, opts ...CallOption) (T, error) {
	var out T
	err := c.Do(ctx, method, path, in, &out, opts...)
	return out, err
}
