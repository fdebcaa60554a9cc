package client

import (
	"encoding"
	"encoding/json"
	"math/big"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"sync"
	"time"

	"github.com/devcloud/devcloud-go/internal/envelope"
)

// aheadMin is the smallest body whose likely result DecodeResponse decodes
// while the body is scanned. Below it, the scan costs less than starting a
// goroutine is worth; above it, the scan (bracket matching, about a
// twentieth of json.Unmarshal's time) no longer adds to the call's latency.
const aheadMin = 256 << 10

// ahead is json.Unmarshal of a body's likely result (envelope.LikelyResult)
// made while another goroutine scanned the body. It is kept only when the
// scan's Result is the same bytes: then it is what decoding Result after
// the scan would have made, and the call has not waited for both. Otherwise
// it was work for nothing, out untouched. A body that turns out a failure
// must not have run an UnmarshalJSON of the caller's, which the checked
// reading never calls for it (it might count, block or panic), so only a
// type whose decoding runs none is decoded ahead (runsNoCallerCode).
type ahead struct {
	span  []byte
	fresh reflect.Value
	err   error
}

// scanAhead is scan, with the likely result of a large success decoded into
// a fresh value of out's type at the same time when the machine has a
// processor to spare; the returned *ahead is nil when it was not.
func scanAhead(status int, body []byte, out any, how decoding) (envelope.Envelope, *ahead) {
	skim := how.skim
	if how.aheadMin == 0 || len(body) < how.aheadMin || !skim || status < 200 || status > 299 ||
		!unmarshalsInto(out) || runtime.GOMAXPROCS(0) < 2 || !runsNoCallerCode(reflect.TypeOf(out).Elem()) {
		return scan(status, body, out, skim), nil
	}
	span := envelope.LikelyResult(body)
	if span == nil {
		return scan(status, body, out, skim), nil
	}
	var (
		env envelope.Envelope
		wg  sync.WaitGroup
	)
	wg.Go(func() { env = scan(status, body, out, skim) })
	a := &ahead{span: span, fresh: reflect.New(reflect.TypeOf(out).Elem())}
	a.err = json.Unmarshal(span, a.fresh.Interface())
	wg.Wait()
	return env, a
}

// unmarshal decodes result into a fresh value of type t, unless a already
// did (a decoded into a fresh value of the same out).
func (a *ahead) unmarshal(result []byte, t reflect.Type) (reflect.Value, error) {
	if a != nil && envelope.Same(a.span, result) {
		return a.fresh, a.err
	}
	fresh := reflect.New(t)
	return fresh, json.Unmarshal(result, fresh.Interface())
}

// The standard library's types that decode themselves, and do nothing else.
var pureUnmarshalers = map[reflect.Type]bool{
	reflect.TypeFor[time.Time]():       true,
	reflect.TypeFor[json.RawMessage](): true,
	reflect.TypeFor[big.Int]():         true,
	reflect.TypeFor[big.Float]():       true,
	reflect.TypeFor[big.Rat]():         true,
	reflect.TypeFor[net.IP]():          true,
	reflect.TypeFor[netip.Addr]():      true,
	reflect.TypeFor[netip.AddrPort]():  true,
	reflect.TypeFor[netip.Prefix]():    true,
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	// noCallerCode caches runsNoCallerCode by type.
	noCallerCode sync.Map // reflect.Type → bool
)

// runsNoCallerCode reports whether json.Unmarshal into a value of type t
// runs no method but encoding/json's own and those of pureUnmarshalers: no
// type t is made of (its fields, elements, keys, the types they point to)
// decodes itself otherwise, with UnmarshalJSON or UnmarshalText.
func runsNoCallerCode(t reflect.Type) bool {
	if v, ok := noCallerCode.Load(t); ok {
		return v.(bool)
	}
	pure := decodesPlainly(t, map[reflect.Type]bool{})
	noCallerCode.Store(t, pure)
	return pure
}

// decodesPlainly is runsNoCallerCode without the cache; seen holds the
// types already under way, which a recursive type meets again.
func decodesPlainly(t reflect.Type, seen map[reflect.Type]bool) bool {
	if pureUnmarshalers[t] || seen[t] {
		return true
	}
	seen[t] = true
	if p := reflect.PointerTo(t); p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return decodesPlainly(t.Elem(), seen)
	case reflect.Map:
		return decodesPlainly(t.Key(), seen) && decodesPlainly(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if !decodesPlainly(t.Field(i).Type, seen) {
				return false
			}
		}
	}
	return true
}
