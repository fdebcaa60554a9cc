package retrying

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"

	"github.com/cenkalti/backoff/v4"
)

// TransportClass says how far a failed request got, which decides whether it
// is safe to send again.
type TransportClass uint8

const (
	// NotSent means the request never left: the dial failed or the
	// connection was refused. Any call may be retried.
	NotSent TransportClass = iota + 1
	// MaybeSent means the server may have acted on the request (reset, EOF,
	// read timeout). Only idempotent calls, or calls carrying an idempotency
	// key, may be retried.
	MaybeSent
	// Permanent means a retry cannot help: certificate or TLS failures, a
	// host name that does not exist, or an error marked with backoff/v4's
	// backoff.Permanent.
	Permanent
	// ContextDone means the caller's context ended; nothing is retried.
	ContextDone
)

// ClassifyTransport places an error returned by the HTTP client (no response
// was read). ctx is the caller's context: once it is done, every error is
// ContextDone. timeout reports whether the failure was a timeout, which a
// retry budget charges more for.
func ClassifyTransport(ctx context.Context, err error) (class TransportClass, timeout bool) {
	if ctx != nil && ctx.Err() != nil {
		return ContextDone, false
	}
	var ne net.Error
	timeout = errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)

	var perm *backoff.PermanentError
	if errors.As(err, &perm) {
		return Permanent, timeout
	}
	if errors.Is(err, http.ErrSchemeMismatch) {
		// An https URL pointing at a plain-HTTP port: a configuration error.
		return Permanent, false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return Permanent, false
	}
	var (
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		certInvalid x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &certInvalid) ||
		errors.As(err, &verifyErr) || errors.As(err, &recordErr) {
		return Permanent, false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return NotSent, timeout
	}
	return MaybeSent, timeout
}
