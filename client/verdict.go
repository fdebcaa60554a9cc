package client

import (
	"context"
	stderrors "errors"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// verdict is what an attempt tells the circuit breaker about the platform.
type verdict uint8

const (
	// countedSuccess: the platform answered, whatever it said.
	countedSuccess verdict = iota
	// countedFailure: the platform could not be reached or said it is down.
	countedFailure
	// notCounted: the attempt says nothing about the platform's health.
	notCounted
)

// judge places an attempt that ended with err under ctx, the context it was
// sent with. probe marks the half-open breaker's probe, which must decide.
func judge(ctx context.Context, err error, probe bool) verdict {
	if err == nil {
		return countedSuccess
	}
	if ctx.Err() != nil {
		// The caller gave up (or its deadline passed): the platform may
		// have been about to answer.
		return notCounted
	}
	var ae *apierrors.APIError
	if stderrors.As(err, &ae) {
		// A code the platform put in the body (not the HTTP status standing
		// in for one) is the platform answering, whatever the status: a
		// 20001 in a 500 proves it alive.
		logic := ae.RawCode != "" || ae.Code != 0 && int(ae.Code) != ae.HTTPStatus && !down(int(ae.Code))
		switch {
		case ae.HTTPStatus == 429 || ae.Code.Category() == apierrors.CategoryThrottle:
			// 429, 10004, 30011: the platform is alive and asks us to slow
			// down, which the retry policy does; opening would turn a
			// throttle into an outage. A probe so answered proves the
			// platform alive, and closes the breaker rather than leave
			// it half-open.
			if probe {
				return countedSuccess
			}
			return notCounted
		case logic:
			return countedSuccess
		case down(int(ae.Code)) || down(ae.HTTPStatus):
			return countedFailure
		}
		return countedSuccess
	}
	if stderrors.Is(err, ErrResponseTooLarge) {
		return countedSuccess // an answer, if an unwanted one
	}
	var te *apierrors.TransportError
	if stderrors.As(err, &te) {
		return countedFailure
	}
	// A body that does not decode still came from the platform.
	return countedSuccess
}

// down reports whether an HTTP status (or the same number as a code) says
// the platform is failing rather than refusing the request.
func down(status int) bool {
	switch status {
	case 500, 502, 503, 504:
		return true
	}
	return false
}

// snapshot copies a counted failure for the breaker to keep: the attempt's
// own error goes on to be annotated for its call, while the copy is shown,
// unchanged, to every call the open breaker stops. An APIError's copy drops
// the cause the call attached.
func snapshot(err error, method, path string) error {
	cp, c, cause := clone(err)
	if c != nil {
		c.Method, c.Path = method, path
		if _, api := err.(*apierrors.APIError); api {
			*cause = nil
		}
	}
	return cp
}
