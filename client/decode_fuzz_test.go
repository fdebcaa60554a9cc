package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

type fuzzResult struct {
	RequestId string
	Devices   []struct{ DeviceId string }
	Count     int
}

// fuzzOuts returns fresh sentinel values of the kinds of out callers pass.
func fuzzOuts() []any {
	raw := json.RawMessage(`"sentinel"`)
	var anything any = "sentinel"
	return []any{
		&fuzzResult{RequestId: "sentinel", Count: -1},
		&raw,
		&anything,
		nil,
	}
}

// FuzzDecodeResponse checks that DecodeResponse never panics, returns nil or
// one of its two error types, keeps snippets short and valid, never writes
// out when it fails, and answers as it would if it checked the whole body
// before handing the payload to json.Unmarshal. The seed corpus is in
// testdata/fuzz/FuzzDecodeResponse.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"Response":{"RequestId":"r1","Count":1}}`), "")
	f.Add(200, []byte(`{"Response":{"Error":{"Code":20005,"Message":"m"},"RequestId":"r1"}}`), "hdr")
	f.Add(502, []byte(`<html>bad gateway</html>`), "gw")
	f.Fuzz(func(t *testing.T, status int, body []byte, requestID string) {
		header := http.Header{}
		if requestID != "" {
			header.Set("X-Request-Id", requestID)
		}
		valid := json.Valid(body)
		blank := len(trimSpace(body)) == 0
		ok2xx := status >= 200 && status <= 299

		var first error
		for i, out := range fuzzOuts() {
			err := DecodeResponse(status, header, body, out)
			var ae *apierrors.APIError
			var de *apierrors.DecodeError
			switch {
			case err == nil:
				if !ok2xx {
					t.Fatalf("status %d: nil error", status)
				}
				if !blank && !valid {
					t.Fatalf("nil error for a body that is not JSON")
				}
				if r, ok := out.(*json.RawMessage); ok && !json.Valid(*r) {
					t.Fatalf("RawMessage out %q is not JSON", *r)
				}
			case errors.As(err, &ae):
				if ae.HTTPStatus != status {
					t.Fatalf("HTTPStatus = %d, want %d", ae.HTTPStatus, status)
				}
				if ok2xx && !valid {
					t.Fatalf("APIError %v for a 2xx body that is not JSON", err)
				}
				checkSnippet(t, ae.Body, body)
				if ae.Attempts != 0 || ae.Method != "" || ae.Path != "" {
					t.Fatalf("APIError fills client fields: %#v", ae)
				}
			case errors.As(err, &de):
				if !ok2xx {
					t.Fatalf("status %d: DecodeError %v", status, err)
				}
				if de.HTTPStatus != status || de.BodyLen != len(body) || de.Err == nil {
					t.Fatalf("DecodeError = %#v", de)
				}
				switch de.Reason {
				case reasonNotJSON, reasonTruncated, reasonHTML:
					if valid {
						t.Fatalf("Reason %q for valid JSON", de.Reason)
					}
				case reasonMismatch, reasonBadPointer:
				default:
					t.Fatalf("unknown Reason %q", de.Reason)
				}
				checkSnippet(t, de.Snippet, body)
			default:
				t.Fatalf("err = %#v, want nil, *APIError or *DecodeError", err)
			}
			if err != nil && !reflect.DeepEqual(out, fuzzOuts()[i]) {
				t.Fatalf("out written on error %v: %#v", err, out)
			}
			// Whether the response failed at the API level does not depend on out.
			if i == 0 {
				first = err
			} else if errors.As(first, &ae) != errors.As(err, &ae) {
				t.Fatalf("out %T changed the outcome: %v vs %v", out, first, err)
			}
		}
		checkSkimMatches(t, status, header, body)
	})
}

func checkSnippet(t *testing.T, snip string, body []byte) {
	t.Helper()
	if len(snip) > maxSnippet {
		t.Fatalf("snippet is %d bytes", len(snip))
	}
	if utf8.Valid(body) && !utf8.ValidString(snip) {
		t.Fatalf("snippet %q of a UTF-8 body is not UTF-8", snip)
	}
	if !strings.HasPrefix(string(trimSpace(body)), snip) {
		t.Fatalf("snippet %q is not the start of the body", snip)
	}
}
