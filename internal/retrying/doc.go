// Package retrying carries out a retry.Policy for the client: a Retryer
// judges each failed attempt of one call (fail, wait and retry, or log in
// again), a Schedule hands out one call's backoff delays, a Budget is a
// client's retry token bucket, and ClassifyTransport tells a request that
// never left from one that may have reached the server. Applications
// configure all of it through package retry; none of it is theirs to plug in.
package retrying
