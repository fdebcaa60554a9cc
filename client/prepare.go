package client

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// prepare checks the arguments and makes the call: the body encoded once for
// all attempts, the idempotency key of a call that is not idempotent.
func (c *Client) prepare(method, path string, in, out any, poll *pollCall, opts []CallOption) (*call, error) {
	if !isToken(method) {
		return nil, &InputError{Field: "method", Reason: "not an HTTP method"}
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	w, stream := out.(io.Writer)
	if stream {
		if err := checkWriter(w); err != nil {
			return nil, err
		}
	} else if err := checkOut(out); err != nil {
		return nil, err
	}
	k := &call{method: strings.ToUpper(method), path: path, name: stripQuery(path), out: out, poll: poll}
	for _, o := range opts {
		if o != nil {
			o(&k.opts)
		}
	}
	if stream {
		k.out = nil
		k.download = newDownload(w, c.maxDown, k.opts.progress, k.opts.headers)
	}
	for _, kv := range k.opts.headers {
		if err := checkHeader("header", kv[0], kv[1]); err != nil {
			return nil, err
		}
		if strings.EqualFold(kv[0], c.auth) || strings.EqualFold(kv[0], c.csrf) {
			k.ownSession = true
		}
	}
	if hasControl(k.opts.idempotencyKey, true) {
		return nil, &InputError{Field: "idempotencyKey", Reason: "has a control character"}
	}
	if in != nil && (k.method == http.MethodGet || k.method == http.MethodHead) {
		return nil, &InputError{Field: "in", Reason: k.method + " requests carry no body; use client.Query"}
	}
	switch v := in.(type) {
	case nil:
	case []byte:
		k.body = v
	case json.RawMessage:
		k.body = v
	case io.Reader:
		// Streamed as it is read, never held whole (upload.go).
		k.upload = newUpload(v, k.opts.contentType, k.opts.progress)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, &InputError{Field: "in", Reason: "cannot encode the request body as JSON", Err: err}
		}
		k.body = b
	}
	k.idempotent = isIdempotent(k.method)
	if k.opts.idempotent != nil {
		k.idempotent = *k.opts.idempotent
	}
	k.idemKey = k.opts.idempotencyKey
	if !k.idempotent && k.idemKey == "" {
		k.idemKey = uuid.NewString()
	}
	return k, nil
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

func stripQuery(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		return path[:i]
	}
	return path
}
