package client

// CondemnedGeneration returns the newest generation the client has seen
// refused, for tests that check no call is handed one.
func (c *Client) CondemnedGeneration() uint64 {
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	return c.sessions.condemned
}
