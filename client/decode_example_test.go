package client_test

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/devcloud/devcloud-go/client"
	apierrors "github.com/devcloud/devcloud-go/errors"
)

func ExampleDecodeResponse() {
	var out struct{ Devices []string }

	// A success: out receives the Response object.
	body := []byte(`{"Response":{"Devices":["lobby","door"],"RequestId":"r-1"}}`)
	err := client.DecodeResponse(http.StatusOK, nil, body, &out)
	fmt.Println(err, out.Devices)

	// A failure reported with HTTP 200: a typed error, out left alone.
	body = []byte(`{"Response":{"Error":{"Code":"20005","Message":"timed out"},"RequestId":"r-2"}}`)
	err = client.DecodeResponse(http.StatusOK, nil, body, &out)
	var ae *apierrors.APIError
	if errors.As(err, &ae) {
		fmt.Println(int(ae.Code), ae.Message, ae.RequestID, errors.Is(err, apierrors.SendMessageTimeout), out.Devices)
	}

	// A gateway's HTML page: the HTTP status is the code.
	header := http.Header{"X-Request-Id": {"gw-3"}}
	err = client.DecodeResponse(http.StatusBadGateway, header, []byte("<html>502 Bad Gateway</html>"), &out)
	if errors.As(err, &ae) {
		fmt.Println(int(ae.Code), ae.RequestID, ae.Body, apierrors.IsRetryable(err))
	}
	// Output:
	// <nil> [lobby door]
	// 20005 timed out r-2 true [lobby door]
	// 502 gw-3 <html>502 Bad Gateway</html> true
}
