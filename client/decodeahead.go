package client

import (
	"encoding/json"
	"reflect"
	"runtime"
	"sync"

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
// it was work for nothing, out untouched; the one trace it can leave is
// that a type's UnmarshalJSON ran for a body that turned out a failure.
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
		!unmarshalsInto(out) || runtime.GOMAXPROCS(0) < 2 {
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
// did.
func (a *ahead) unmarshal(result []byte, t reflect.Type) (reflect.Value, error) {
	if a != nil && envelope.Same(a.span, result) && a.fresh.Type().Elem() == t {
		return a.fresh, a.err
	}
	fresh := reflect.New(t)
	return fresh, json.Unmarshal(result, fresh.Interface())
}
