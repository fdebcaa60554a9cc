package client

import "net/http"

// CondemnedGeneration returns the newest generation the client has seen
// refused, for tests that check no call is handed one.
func (c *Client) CondemnedGeneration() uint64 {
	return c.sessions.condemned.Load()
}

// NewTransport is the transport a client makes for itself, for benchmarks
// that give a hand-written net/http call the same connection pool.
func NewTransport() *http.Transport { return newTransport() }
