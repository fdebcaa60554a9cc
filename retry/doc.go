// Package retry decides what the SDK does after a failed attempt: fail, retry
// after a backoff, or log in again and replay.
//
// A [Policy] holds one [Rule] per platform code (action, attempts, backoff).
// [DefaultPolicy] is the SDK's table: transient server codes are retried with
// exponential backoff and full jitter, licence exhaustion on a slower
// throttle schedule, session codes trigger a shared relogin, and everything
// else fails at once. Every row can be overridden.
//
// A client takes a copy of its Policy (client.WithPolicy); the machinery that
// carries it out (the per-call schedules, the retry budget's token bucket,
// Retry-After parsing, the classification of transport errors) is internal
// to the SDK. [BudgetConfig] sizes the budget, [Backoff] describes a
// schedule, and [Clock] puts time behind an interface so tests never wait.
package retry
