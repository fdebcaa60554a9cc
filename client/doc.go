// Package client calls the device cloud platform: it sends each request
// through resty, decodes every answer into the caller's value or a typed
// error, retries what the policy says is worth retrying, and logs in again
// when the session dies.
//
// A Client is made once and shared:
//
//	c, err := client.New("https://api.devcloud.example",
//		client.WithCredentials(appID, secret))
//	var list struct {
//		Devices []struct{ Id, Name string }
//	}
//	err = c.Do(ctx, "GET", "/v1/devices", nil, &list)
//
// NewFromEnv makes it from DEVCLOUD_BASE_URL, DEVCLOUD_APP_ID and
// DEVCLOUD_SECRET instead, the variables the devcloud CLI reads.
//
// What a call does on failure is the retry.Policy's decision (see
// retry.DefaultPolicy): transient codes are retried with jittered
// exponential backoff, Retry-After and a per-client retry budget; session
// codes (10001, 10002, 10007) trigger one login shared by every goroutine
// that hit them, then the call is replayed once; everything else fails at
// once. Each attempt is a fresh request with the whole body, the current
// session headers and, for non-idempotent methods, the same Idempotency-Key.
//
// WithCircuitBreaker (off by default) stops calling a platform that is down:
// once enough attempts failed, calls fail at once with ErrCircuitOpen until
// a probe finds the platform back.
//
// Poll consumes a long-poll endpoint as an iterator, one poll in flight per
// client, riding out 20008 and transient failures on its own schedule.
//
// WithObserver lets telemetry see every call, attempt, backoff wait and
// login with the call's context (the devcloudotel module turns them into
// OpenTelemetry spans and metrics); a client without one pays nothing for it.
//
// DecodeResponse, the decoding rules on their own, is pure and can be used
// without a Client.
package client
