package errors_test

import (
	"errors"
	"fmt"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// A Code is an error, so errors.Is matches a failure against a named constant
// or a bare number, however deeply the failure is wrapped.
func ExampleCode() {
	err := fmt.Errorf("sending alert: %w", &apierrors.APIError{Code: 20005, HTTPStatus: 200, Call: apierrors.Call{Attempts: 3}})

	fmt.Println(errors.Is(err, apierrors.SendMessageTimeout))
	fmt.Println(errors.Is(err, apierrors.Code(20005)))
	fmt.Println(errors.Is(err, apierrors.NotLoggedIn))
	fmt.Println(apierrors.SendMessageTimeout.String(), int(apierrors.SendMessageTimeout))
	// Output:
	// true
	// true
	// false
	// SendMessageTimeout 20005
}

// An application branches on the code with errors.Is and reads the details
// with errors.As.
func ExampleAPIError() {
	// What a call such as client.Do returns after three attempts.
	var err error = &apierrors.APIError{
		Code:       apierrors.MessageServiceError,
		Message:    "mq unavailable",
		HTTPStatus: 200,
		Call:       apierrors.Call{RequestID: "6f1c-42", Attempts: 3, Method: "POST", Path: "/v1/messages"},
	}
	err = fmt.Errorf("notify device: %w", err)

	if errors.Is(err, apierrors.MessageServiceError) {
		fmt.Println("message service down")
	}
	var ae *apierrors.APIError
	if errors.As(err, &ae) {
		fmt.Println("request id:", ae.RequestID, "attempts:", ae.Attempts)
	}
	fmt.Println(err)
	// Output:
	// message service down
	// request id: 6f1c-42 attempts: 3
	// notify device: devcloud: POST /v1/messages: code 20022 消息服务异常 (the message service failed), HTTP 200: "mq unavailable" (request id "6f1c-42", 3 attempts)
}

func ExampleLookup() {
	info, ok := apierrors.Lookup(20005)
	fmt.Println(ok, info.Name, info.Message)
	fmt.Println(info.Description)
	fmt.Println(info.Category, info.Action)

	_, ok = apierrors.Lookup(99999)
	fmt.Println(ok)
	// Output:
	// true SendMessageTimeout 发送消息超时
	// sending the message timed out
	// server retry
	// false
}

func ExampleAll() {
	all := apierrors.All()
	fmt.Println(len(all), "codes from", int(all[0].Code), "to", int(all[len(all)-1].Code))
	// Output:
	// 72 codes from 400 to 40007
}

// IsRetryable and the other category helpers let an application branch
// without listing codes; they look through wrapping.
func ExampleIsRetryable() {
	for _, err := range []error{
		&apierrors.APIError{Code: apierrors.GatewayTimeout, HTTPStatus: 504},
		fmt.Errorf("wrapped: %w", &apierrors.APIError{Code: apierrors.LicenseExhausted}),
		&apierrors.APIError{Code: apierrors.NotLoggedIn},
		&apierrors.APIError{Code: apierrors.InvalidParameter},
		errors.New("not from the platform"),
	} {
		name := "(no code)"
		if code, ok := apierrors.CodeOf(err); ok {
			name = code.String()
		}
		fmt.Printf("%-16s retryable=%-5v auth=%-5v throttle=%v\n",
			name, apierrors.IsRetryable(err), apierrors.IsAuth(err), apierrors.IsThrottle(err))
	}
	// Output:
	// GatewayTimeout   retryable=true  auth=false throttle=false
	// LicenseExhausted retryable=true  auth=false throttle=true
	// NotLoggedIn      retryable=false auth=true  throttle=false
	// InvalidParameter retryable=false auth=false throttle=false
	// (no code)        retryable=false auth=false throttle=false
}
