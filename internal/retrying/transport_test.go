package retrying_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/internal/retrying"
)

// timeoutError is a net.Error that timed out, like an i/o deadline.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// refusedOpError is the chain net.Dial returns for a refused connection.
func refusedOpError() *net.OpError {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func inURL(err error) error { return &url.Error{Op: "Post", URL: "https://api.example/x", Err: err} }

func readOp(err error) error { return &net.OpError{Op: "read", Net: "tcp", Err: err} }

func TestClassifyTransport(t *testing.T) {
	notFound := &net.DNSError{Err: "no such host", Name: "nowhere.example", IsNotFound: true}
	dnsTimeout := &net.DNSError{Err: "i/o timeout", Name: "slow.example", IsTimeout: true}
	tests := []struct {
		name        string
		err         error
		wantClass   retrying.TransportClass
		wantTimeout bool
	}{
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, retrying.NotSent, false},
		{"dial refused via syscall error", refusedOpError(), retrying.NotSent, false},
		{"dial refused in url.Error", inURL(refusedOpError()), retrying.NotSent, false},
		{"dial refused in TransportError", &apierrors.TransportError{Err: inURL(refusedOpError()), Call: apierrors.Call{Method: "POST"}}, retrying.NotSent, false},
		{"dial with a bad address", &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "missing port", Addr: "api.example"}}, retrying.NotSent, false},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}, retrying.NotSent, true},
		{"DNS no such host", notFound, retrying.Permanent, false},
		{"DNS no such host in dial OpError", &net.OpError{Op: "dial", Net: "tcp", Err: notFound}, retrying.Permanent, false},
		{"DNS no such host in url.Error", inURL(&net.OpError{Op: "dial", Net: "tcp", Err: notFound}), retrying.Permanent, false},
		{"DNS timeout while dialling", &net.OpError{Op: "dial", Net: "tcp", Err: dnsTimeout}, retrying.NotSent, true},
		{"x509 unknown authority", x509.UnknownAuthorityError{}, retrying.Permanent, false},
		{"x509 unknown authority in url.Error", inURL(x509.UnknownAuthorityError{}), retrying.Permanent, false},
		{"x509 hostname mismatch", x509.HostnameError{Host: "api.example"}, retrying.Permanent, false},
		{"x509 hostname mismatch in url.Error", inURL(x509.HostnameError{Host: "api.example"}), retrying.Permanent, false},
		{"x509 expired certificate", x509.CertificateInvalidError{Reason: x509.Expired}, retrying.Permanent, false},
		{"tls verification error", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, retrying.Permanent, false},
		{"tls verification error in url.Error", inURL(&tls.CertificateVerificationError{Err: x509.HostnameError{Host: "h"}}), retrying.Permanent, false},
		{"tls record header (TLS to a plain-HTTP port)", inURL(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), retrying.Permanent, false},
		{"EOF on read", readOp(io.EOF), retrying.MaybeSent, false},
		{"EOF on read in url.Error", inURL(readOp(io.EOF)), retrying.MaybeSent, false},
		{"reset on read", readOp(syscall.ECONNRESET), retrying.MaybeSent, false},
		{"reset on read in url.Error", inURL(readOp(syscall.ECONNRESET)), retrying.MaybeSent, false},
		{"broken pipe on write", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}, retrying.MaybeSent, false},
		{"bare EOF", io.EOF, retrying.MaybeSent, false},
		{"bare unexpected EOF", io.ErrUnexpectedEOF, retrying.MaybeSent, false},
		{"net.Error that timed out", timeoutError{}, retrying.MaybeSent, true},
		{"read timeout", readOp(timeoutError{}), retrying.MaybeSent, true},
		{"read timeout in url.Error", inURL(readOp(timeoutError{})), retrying.MaybeSent, true},
		{"context.DeadlineExceeded", context.DeadlineExceeded, retrying.MaybeSent, true},
		{"wrapped context.DeadlineExceeded", fmt.Errorf("awaiting headers: %w", context.DeadlineExceeded), retrying.MaybeSent, true},
		{"context.DeadlineExceeded in url.Error", inURL(context.DeadlineExceeded), retrying.MaybeSent, true},
		{"unrelated error", errors.New("boom"), retrying.MaybeSent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			class, timeout := retrying.ClassifyTransport(context.Background(), tt.err)
			if class != tt.wantClass || timeout != tt.wantTimeout {
				t.Fatalf("ClassifyTransport(%v) = %v, %v; want %v, %v", tt.err, class, timeout, tt.wantClass, tt.wantTimeout)
			}
		})
	}
}

func TestClassifyTransportIsContextDoneOnceTheCallerLeft(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	errs := []error{
		nil,
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.DNSError{IsNotFound: true},
		x509.UnknownAuthorityError{},
		readOp(io.EOF),
		timeoutError{},
		context.Canceled,
		context.DeadlineExceeded,
	}
	for _, ctx := range []context.Context{cancelled, expired} {
		for _, err := range errs {
			class, timeout := retrying.ClassifyTransport(ctx, err)
			if class != retrying.ContextDone || timeout {
				t.Errorf("ctx %v, err %v: got %v, %v; want ContextDone, false", ctx.Err(), err, class, timeout)
			}
		}
	}
}

func TestClassifyTransportAcceptsNilContext(t *testing.T) {
	//lint:ignore SA1012 ClassifyTransport documents a nil-safe ctx check
	class, timeout := retrying.ClassifyTransport(nil, readOp(timeoutError{}))
	if class != retrying.MaybeSent || !timeout {
		t.Fatalf("got %v, %v; want MaybeSent, true", class, timeout)
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestClassifyTransportOfRealFailures(t *testing.T) {
	// A server that reads the request and hangs up without answering: the
	// request reached the server.
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangUp.Close()
	tlsServer := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are the point
	tlsServer.StartTLS()
	defer tlsServer.Close()
	// Trusts the test server's certificate but expects another name.
	wrongName := tlsServer.Client()
	wrongName.Transport.(*http.Transport).TLSClientConfig.ServerName = "api.example"
	noKeepAlive := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	tests := []struct {
		name string
		do   func(addr string) error
		addr string
		want retrying.TransportClass
	}{
		{"net.Dial to a closed loopback port", func(addr string) error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}, closedAddr(t), retrying.NotSent},
		{"HTTP POST to a closed loopback port", func(addr string) error {
			_, err := noKeepAlive.Post("http://"+addr+"/x", "application/json", nil)
			return err
		}, closedAddr(t), retrying.NotSent},
		{"HTTP POST answered by a hang-up", func(addr string) error {
			_, err := noKeepAlive.Post(addr+"/x", "application/json", nil)
			return err
		}, hangUp.URL, retrying.MaybeSent},
		{"HTTPS to a server with an untrusted certificate", func(addr string) error {
			_, err := noKeepAlive.Get(addr)
			return err
		}, tlsServer.URL, retrying.Permanent},
		{"HTTPS to a server whose certificate names another host", func(addr string) error {
			_, err := wrongName.Get(addr)
			return err
		}, tlsServer.URL, retrying.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(tt.addr)
			if err == nil {
				t.Fatal("request succeeded, want a transport error")
			}
			class, timeout := retrying.ClassifyTransport(context.Background(), err)
			if class != tt.want || timeout {
				t.Fatalf("ClassifyTransport(%v) = %v, %v; want %v, false", err, class, timeout, tt.want)
			}
		})
	}
}

func TestClassifyTransportOfHTTPSToPlainHTTPServerIsPermanent(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := client.Get("https" + plain.URL[len("http"):])
	if !errors.Is(err, http.ErrSchemeMismatch) {
		t.Fatalf("err = %v, want http.ErrSchemeMismatch", err)
	}
	if class, _ := retrying.ClassifyTransport(context.Background(), err); class != retrying.Permanent {
		t.Fatalf("ClassifyTransport(%v) = %v, want Permanent", err, class)
	}
}
