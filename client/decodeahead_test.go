package client

import (
	"runtime"
	"testing"
)

// TestLargeResultIsDecodedAhead wants a large success's likely result
// decoded while the body is scanned, and that decoding kept: the result is
// decoded once.
func TestLargeResultIsDecodedAhead(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("decoding ahead needs a second processor")
	}
	body := bigDevices(20000, `],"Count":20000}}`)
	if len(body) < aheadMin {
		t.Fatalf("body of %d bytes is under aheadMin %d", len(body), aheadMin)
	}
	var out struct{ Count int }
	env, early := scanAhead(200, body, &out, fastest)
	if early == nil {
		t.Fatal("not decoded ahead")
	}
	if !env.JSON || env.Result() == nil || string(early.span) != string(env.Result()) {
		t.Fatalf("decoded %d bytes ahead, the result is %d bytes", len(early.span), len(env.Result()))
	}
	fresh, err := early.unmarshal(env.Result(), early.fresh.Type().Elem())
	if err != nil || fresh != early.fresh {
		t.Fatalf("the result decoded again (err %v)", err)
	}
	if err := DecodeResponse(200, nil, body, &out); err != nil || out.Count != 20000 {
		t.Fatalf("DecodeResponse: %v, Count %d", err, out.Count)
	}
	// Under aheadMin, or a failure status: scanned first.
	if _, early := scanAhead(200, body[:0:0], &out, fastest); early != nil {
		t.Fatal("an empty body decoded ahead")
	}
	if _, early := scanAhead(500, body, &out, fastest); early != nil {
		t.Fatal("a 500 decoded ahead")
	}
}
