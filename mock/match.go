package mock

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Matcher is a condition on a request beyond its method and path, for
// routes scripted with OnMatch: a query parameter, a header, members of a
// JSON body, or a function of the Request. Combine conditions with And.
//
// The zero Matcher accepts every request.
type Matcher struct {
	desc string
	fn   func(*Request) bool
}

// QueryIs matches a request whose query has key with value among its
// values: QueryIs("type", "camera") matches "?type=camera" and
// "?type=nvr&type=camera".
func QueryIs(key, value string) Matcher {
	return Matcher{
		desc: "query " + key + "=" + value,
		fn:   func(r *Request) bool { return slices.Contains(r.Query[key], value) },
	}
}

// HeaderIs matches a request whose header key has value among its values.
func HeaderIs(key, value string) Matcher {
	return Matcher{
		desc: "header " + key + ": " + value,
		fn:   func(r *Request) bool { return slices.Contains(r.Header.Values(key), value) },
	}
}

// JSONBodyHas matches a request whose body is JSON holding fields: each
// member of fields (marshalled with encoding/json) is in the body with an
// equal value, objects compared the same way member by member, other
// values (arrays included) compared whole. Members the body has beyond
// them do not matter, so JSONBodyHas(map[string]any{"DeviceId": "cam-7"})
// matches {"DeviceId":"cam-7","Channel":2}.
//
// It panics if fields cannot be marshalled: that is a mistake in the test.
func JSONBodyHas(fields any) Matcher {
	raw, err := json.Marshal(fields)
	if err != nil {
		panic(fmt.Sprintf("mock.JSONBodyHas: cannot marshal %T: %v", fields, err))
	}
	var want any
	_ = json.Unmarshal(raw, &want)
	return Matcher{
		desc: "body has " + string(raw),
		fn: func(r *Request) bool {
			var got any
			return json.Unmarshal(r.Body, &got) == nil && jsonHas(got, want)
		},
	}
}

// jsonHas reports whether got holds want: every member of an object, an
// equal value otherwise.
func jsonHas(got, want any) bool {
	w, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(got, want)
	}
	g, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range w {
		gv, ok := g[k]
		if !ok || !jsonHas(gv, wv) {
			return false
		}
	}
	return true
}

// MatchFunc matches the requests for which f reports true; desc names the
// condition in failure messages and tells routes apart (OnMatch replaces
// the route with the same pattern and description).
func MatchFunc(desc string, f func(*Request) bool) Matcher {
	return Matcher{desc: desc, fn: f}
}

// And matches the requests that m and every one of others match.
func (m Matcher) And(others ...Matcher) Matcher {
	all := append([]Matcher{m}, others...)
	all = slices.DeleteFunc(all, func(x Matcher) bool { return x.fn == nil })
	if len(all) == 0 {
		return Matcher{}
	}
	descs := make([]string, len(all))
	for i, x := range all {
		descs[i] = x.desc
	}
	return Matcher{
		desc: strings.Join(descs, " and "),
		fn: func(r *Request) bool {
			for _, x := range all {
				if !x.fn(r) {
					return false
				}
			}
			return true
		},
	}
}

// String describes the condition, e.g. "query type=camera and header
// X-Tenant: t1"; the zero Matcher's is "".
func (m Matcher) String() string { return m.desc }
