package errors_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

func TestAPIErrorTypeIsTheCodeOrTheStatus(t *testing.T) {
	tests := []struct {
		name string
		err  *apierrors.APIError
		want string
	}{
		{"platform code", &apierrors.APIError{Code: 20005, HTTPStatus: 200}, "20005"},
		{"gateway status as code", &apierrors.APIError{Code: 503, HTTPStatus: 503}, "503"},
		{"code outside the catalog", &apierrors.APIError{Code: 77777, HTTPStatus: 200}, "77777"},
		{"non-numeric code falls back to the status", &apierrors.APIError{RawCode: "CANARY-raw", HTTPStatus: 400}, "400"},
		{"nothing known", &apierrors.APIError{RawCode: "CANARY-raw"}, "_OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.ErrorType(); got != tt.want {
				t.Errorf("ErrorType() = %q, want %q", got, tt.want)
			}
			// Wrapped, as a caller may see it, the method is still found
			// by errors.As the way OpenTelemetry's semconv.ErrorType looks.
			var et interface{ ErrorType() string }
			wrapped := fmt.Errorf("listing devices: %w", tt.err)
			if !errors.As(wrapped, &et) || et.ErrorType() != tt.want {
				t.Errorf("wrapped: ErrorType not found or wrong")
			}
		})
	}
}

func TestAPIErrorTypeIgnoresTheCause(t *testing.T) {
	err := &apierrors.APIError{Code: 20005, HTTPStatus: 200, Err: context.DeadlineExceeded}
	if got := err.ErrorType(); got != "20005" {
		t.Errorf("ErrorType() = %q, want the code, not the cause", got)
	}
}
