package client

// InputError reports an argument the SDK cannot use: a malformed base URL, an
// empty credential, a method or path a request cannot carry, a request body
// that does not encode. Nothing was sent.
type InputError struct {
	// Field names the argument ("baseURL", "method", "path", "in", …).
	Field string
	// Reason says what is wrong with it, without repeating secret values.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error returns "devcloud: invalid <field>: <reason>".
func (e *InputError) Error() string {
	s := "devcloud: invalid " + e.Field + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }
