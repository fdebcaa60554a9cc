package client_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

// statusForCode returns an HTTP status a server could send with code: the code
// itself when it is an HTTP status, else one matching its category.
func statusForCode(info apierrors.Info) int {
	if c := int(info.Code); c >= 100 && c <= 599 {
		return c
	}
	switch info.Category {
	case apierrors.CategoryAuth:
		return http.StatusUnauthorized
	case apierrors.CategoryThrottle:
		return http.StatusTooManyRequests
	case apierrors.CategoryClient:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// TestDecodeResponseEveryCatalogCode decodes an Error payload for each code of
// the catalog, cycling through its shapes (number or string code, flat or
// Response-wrapped, HTTP 200 or a matching status), and checks the error
// matches the code and carries its catalog text and category.
func TestDecodeResponseEveryCatalogCode(t *testing.T) {
	all := apierrors.All()
	if len(all) != 72 {
		t.Errorf("catalog has %d codes, want 72", len(all))
	}
	for i, info := range all {
		code := strconv.Itoa(int(info.Code))
		if i&1 == 1 {
			code = strconv.Quote(code)
		}
		payload := fmt.Sprintf(`{"Error":{"Code":%s,"Message":"server says %d"},"RequestId":"req-%d"}`, code, info.Code, i)
		if i&2 == 2 {
			payload = `{"Response":` + payload + `}`
		}
		status := http.StatusOK
		if i&4 == 4 {
			status = statusForCode(info)
		}
		name := fmt.Sprintf("%d_%s_%s_%d", info.Code, map[bool]string{false: "number", true: "string"}[i&1 == 1],
			map[bool]string{false: "flat", true: "wrapped"}[i&2 == 2], status)
		t.Run(name, func(t *testing.T) {
			out := sentinelResult()
			err := client.DecodeResponse(status, nil, []byte(payload), out)
			if !errors.Is(err, info.Code) || !errors.Is(err, apierrors.Code(int(info.Code))) {
				t.Fatalf("%s: err = %v, want errors.Is code %d", payload, err, info.Code)
			}
			var ae *apierrors.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %#v, want *APIError", err)
			}
			if ae.Code != info.Code || ae.RawCode != "" || ae.HTTPStatus != status ||
				ae.Message != "server says "+strconv.Itoa(int(info.Code)) || ae.RequestID != "req-"+strconv.Itoa(i) {
				t.Errorf("APIError = %#v", ae)
			}
			got, ok := apierrors.Lookup(int(ae.Code))
			if !ok || got.Message != info.Message || got.Name != info.Name {
				t.Errorf("Lookup(%d) = %+v, %v; want %+v", ae.Code, got, ok, info)
			}
			if c := ae.Code.Category(); c != info.Category {
				t.Errorf("category = %v, want %v", c, info.Category)
			}
			if !reflect.DeepEqual(out, sentinelResult()) {
				t.Errorf("out written on error: %#v", out)
			}
		})
		if c := int(info.Code); c >= 400 && c <= 599 {
			// The same code as an HTTP-level failure: a bare status.
			t.Run(strconv.Itoa(c)+"_bare_status", func(t *testing.T) {
				err := client.DecodeResponse(c, nil, []byte("<html>gateway</html>"), nil)
				var ae *apierrors.APIError
				if !errors.Is(err, info.Code) || !errors.As(err, &ae) || ae.Body != "<html>gateway</html>" {
					t.Fatalf("err = %#v, want APIError %d", err, c)
				}
				if ae.Code.Category() != info.Category {
					t.Errorf("category = %v, want %v", ae.Code.Category(), info.Category)
				}
			})
		}
	}
}
