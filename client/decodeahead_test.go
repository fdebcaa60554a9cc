package client

import (
	"errors"
	"math/big"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

// countingUnmarshaler counts its UnmarshalJSON calls in unmarshalCalls and
// fails them: a type of the caller's that does something when it decodes.
type countingUnmarshaler struct{ N int }

var unmarshalCalls atomic.Int64

func (*countingUnmarshaler) UnmarshalJSON([]byte) error {
	unmarshalCalls.Add(1)
	return errors.New("refused")
}

// TestCallerUnmarshalJSONRunsAsOftenAsChecked wants DecodeResponse to call
// an UnmarshalJSON of out's exactly as often as the reading that checks
// every body first: never for a failure, large or small, once for a
// success, also one it fails to decode.
func TestCallerUnmarshalJSONRunsAsOftenAsChecked(t *testing.T) {
	pad := strings.Repeat("x", 2*aheadMin)
	bodies := []string{
		`{"Response":{"Count":1}}`,
		`{"Response":{"Error":{"Code":20005,"Message":"m"},"Count":1}}`,
		`{"Response":{"Error":{"Code":20005,"Message":"m"},"Pad":"` + pad + `"}}`,
		`{"Response":{"Error":{"Code":"InvalidParameter"},"RequestId":"r","Pad":"` + pad + `"}}`,
		`{"Response":{"Count":1,"Pad":"` + pad + `"}}`,
		`{"Response":{"Count":1}} trailing`,
	}
	for _, body := range bodies {
		unmarshalCalls.Store(0)
		want := decode(200, nil, []byte(body), new(countingUnmarshaler), decoding{})
		checked := unmarshalCalls.Swap(0)
		got := DecodeResponse(200, nil, []byte(body), new(countingUnmarshaler))
		if calls := unmarshalCalls.Swap(0); calls != checked || !reflect.DeepEqual(got, want) {
			t.Errorf("body %.60q: UnmarshalJSON ran %d times, %d when checked; error %v, %v when checked",
				body, calls, checked, got, want)
		}
	}
}

func TestRunsNoCallerCode(t *testing.T) {
	type tree struct {
		Children []*tree
		Name     string
	}
	type withTime struct {
		At   time.Time
		Tags map[string][]any
	}
	type embedded struct{ countingUnmarshaler }
	for _, c := range []struct {
		v    any
		want bool
	}{
		{fuzzResult{}, true},
		{tree{}, true},
		{withTime{}, true},
		{map[netip.Addr]*big.Int{}, true},
		{[]any{}, true},
		{countingUnmarshaler{}, false},
		{[]*countingUnmarshaler{}, false},
		{map[string]countingUnmarshaler{}, false},
		{embedded{}, false},
		{struct{ Inner struct{ syntaxUnmarshaler } }{}, false},
		{map[textKey]int{}, false},
	} {
		if got := runsNoCallerCode(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("runsNoCallerCode(%T) = %v, want %v", c.v, got, c.want)
		}
	}
}

// textKey decodes itself as a map key.
type textKey string

func (k *textKey) UnmarshalText(b []byte) error { *k = textKey(b); return nil }
