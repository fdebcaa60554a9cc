package fakeplatform

import (
	"github.com/jarcoal/httpmock"
)

// httpmockRegistry registers a Mock's responders on an httpmock transport,
// as package mock does.
type httpmockRegistry struct{ *httpmock.MockTransport }

func (r httpmockRegistry) RegisterResponder(method, url string, resp Responder) {
	r.MockTransport.RegisterResponder(method, url, resp)
}

func (r httpmockRegistry) RegisterNoResponder(resp Responder) {
	r.MockTransport.RegisterNoResponder(resp)
}

// newMock returns a Mock on a transport of its own, as mock.New does.
func newMock(t TB, opts ...Option) *Mock {
	tr := httpmock.NewMockTransport()
	return NewMock(t, tr, httpmockRegistry{tr}, opts...)
}
