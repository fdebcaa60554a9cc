// Package retry decides what the SDK does after a failed attempt: fail, retry
// after a backoff, or log in again and replay.
//
// A [Policy] holds one [Rule] per platform code (action, attempts, backoff).
// [DefaultPolicy] is the SDK's table: transient server codes are retried with
// exponential backoff and full jitter, licence exhaustion on a slower
// throttle schedule, session codes trigger a shared relogin, and everything
// else fails at once. Every row can be overridden.
//
// The pieces are small and separate, in the manner of the AWS SDK's retry
// package: [Backoff] builds a schedule on cenkalti/backoff/v4, [Budget] is a
// per-client token bucket that stops retry storms during an outage,
// [RetryAfter] reads the server's hint on the server's clock, [ClassifyTransport] tells a
// request that never left from one that may have reached the server, and
// [Clock] puts time behind an interface so tests never wait.
package retry
