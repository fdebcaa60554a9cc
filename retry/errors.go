package retry

import "errors"

// ErrBudgetExhausted is the cause attached to a call's last error when the
// client's retry budget had no tokens left for another retry.
var ErrBudgetExhausted = errors.New("retry budget exhausted")

// ErrRetryAfterTooLong is the cause attached when the server asked for a
// longer wait than the policy's MaxRetryAfter.
var ErrRetryAfterTooLong = errors.New("server's Retry-After exceeds the policy's cap")
