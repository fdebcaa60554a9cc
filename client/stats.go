package client

// Stats is a snapshot of a client's counters, for dashboards, health checks
// and tests.
type Stats struct {
	// Logins counts the calls of the login function (the default login or
	// WithLogin's), successful or not.
	Logins int
	// RetryTokens is what is left in the client's retry budget.
	RetryTokens int
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Logins: int(c.sessions.login.calls.Load()), RetryTokens: c.budget.Tokens()}
}
