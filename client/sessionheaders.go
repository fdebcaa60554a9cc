package client

// sessionHeaders are the header values of one session, made once and
// shared by every request that carries it: building "Bearer "+token and two
// one-element slices cost every call three allocations. resty clones the
// header map, values included, before sending, and the slices have no room
// to append into, so no request writes into them.
type sessionHeaders struct {
	token, csrf string
	auth, csrfv []string
}

// headersOf returns the header values of sess, from the last session's if
// they are the same.
func (c *Client) headersOf(sess Session) *sessionHeaders {
	if p := c.sessHeaders.Load(); p != nil && p.token == sess.Token && p.csrf == sess.CSRFToken {
		return p
	}
	p := &sessionHeaders{token: sess.Token, csrf: sess.CSRFToken}
	if sess.Token != "" {
		p.auth = []string{"Bearer " + sess.Token}
	}
	if sess.CSRFToken != "" {
		p.csrfv = []string{sess.CSRFToken}
	}
	c.sessHeaders.Store(p)
	return p
}
