package client

// CondemnedGeneration returns the newest generation the client has seen
// refused, for tests that check no call is handed one.
func (c *Client) CondemnedGeneration() uint64 {
	return c.sessions.condemned.Load()
}
