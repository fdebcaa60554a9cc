package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// syntaxUnmarshaler fails as a JSON syntax error from inside a valid body,
// the way a type that parses a string member as JSON would.
type syntaxUnmarshaler struct{ Got bool }

func (u *syntaxUnmarshaler) UnmarshalJSON([]byte) error {
	var v any
	return json.Unmarshal([]byte(`{"a":`), &v)
}

// skimOuts returns fresh values of every kind of out, sentinels inside, so
// two calls can be compared: those whose result goes to json.Unmarshal and
// those it does not.
func skimOuts() []any {
	raw := json.RawMessage(`"sentinel"`)
	var anything any = "sentinel"
	ints := []int{-1}
	text := "sentinel"
	return []any{
		&fuzzResult{RequestId: "sentinel", Count: -1},
		&anything,
		&ints,
		&text,
		&syntaxUnmarshaler{},
		&raw,
		nil,
		fuzzResult{},
		(*fuzzResult)(nil),
		(*json.RawMessage)(nil),
	}
}

// checkSkimMatches wants DecodeResponse, which skims the payload it hands to
// json.Unmarshal, decode when it decodes the likely result of every body
// ahead, and decode when it reads a plain success without a scan, to answer exactly as decode does when it checks every body
// whole first: the same error, field by field, down to its cause, and the
// same out.
func checkSkimMatches(t *testing.T, status int, header http.Header, body []byte) {
	t.Helper()
	skimmed, ahead, plain, checked := skimOuts(), skimOuts(), skimOuts(), skimOuts()
	for i := range skimmed {
		got := DecodeResponse(status, header, body, skimmed[i])
		early := decode(status, header, body, ahead[i], decoding{skim: true, aheadMin: 1})
		unscanned := decode(status, header, body, plain[i], decoding{plain: true})
		want := decode(status, header, body, checked[i], decoding{})
		if !reflect.DeepEqual(unscanned, want) || !reflect.DeepEqual(plain[i], checked[i]) {
			t.Fatalf("status %d, body %q, out %T:\nplain: %#v, out %#v\nchecked: %#v, out %#v",
				status, snippet(body), checked[i], unscanned, plain[i], want, checked[i])
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("status %d, body %q, out %T:\nskimmed: %#v\nchecked: %#v", status, snippet(body), checked[i], got, want)
		}
		if !reflect.DeepEqual(early, want) {
			t.Fatalf("status %d, body %q, out %T:\ndecoded ahead: %#v\nchecked: %#v", status, snippet(body), checked[i], early, want)
		}
		if !reflect.DeepEqual(skimmed[i], checked[i]) {
			t.Fatalf("status %d, body %q, out %T:\nskimmed out: %#v\nchecked out: %#v", status, snippet(body), checked[i], skimmed[i], checked[i])
		}
		if !reflect.DeepEqual(ahead[i], checked[i]) {
			t.Fatalf("status %d, body %q, out %T:\ndecoded ahead out: %#v\nchecked out: %#v", status, snippet(body), checked[i], ahead[i], checked[i])
		}
	}
}

// bigDevices is a success body of n devices with tail after the list,
// inside the Response object.
func bigDevices(n int, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Response":{"RequestId":"big","Devices":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"DeviceId":"dev-%d","Name":"a \"quoted\" {name} [%d]\\"}`, i, i)
	}
	b.WriteString(tail)
	return b.Bytes()
}

func TestDecodeSkimMatchesCheck(t *testing.T) {
	bodies := []string{
		// Success, with payload to skim.
		`{"Response":{"RequestId":"r1","Devices":[{"DeviceId":"d1"}],"Count":1}}`,
		`{"Devices":[{"DeviceId":"d1"}],"RequestId":"flat","Count":2}`,
		`[{"DeviceId":"d1"}]`,
		`[1,2,3]`,
		`{"Response":{"Devices":[{"DeviceId":"a]}b{[c"}],"RequestId":"r"}}`,
		`{"Response":{"Devices":[{"DeviceId":"q\"}]"}],"RequestId":"r"}}`,
		`{"Response":{"Devices":[{"DeviceId":"\\"}],"RequestId":"r"}}`,
		`{"Response":{"Devices":[{"DeviceId":"\u005d\u007d\ud83d\ude00"}]}}`,
		`{"Response":{"Devices":[{"DeviceId":"d1"}]},"Extra":{"a":[1]},"RequestId":"top"}`,
		`{"A":[],"B":{},"C":[],"D":{},"E":[],"Response":{"Devices":[]}}`,
		`{"A":[],"B":{},"C":[],"D":{},"E":[1,],"Response":{"Devices":[]}}`,
		`{"Response":{"Devices":[]},"Extra":[1,]}`,
		`{"Extra":{"a":}},"Response":{"Devices":[]}}`,
		// Invalid JSON inside the payload.
		`{"Response":{"Devices":[{"DeviceId":"d1",}]}}`,
		`{"Response":{"Devices":[1,]}}`,
		`{"Response":{"Devices":[1 2]}}`,
		`{"Response":{"Devices":[tru]}}`,
		`{"Response":{"Devices":[{"a" 1}]}}`,
		`{"Response":{"Devices":[{"a":1]}}}`,
		`{"Response":{"Devices":["a` + "\x01" + `"]}}`,
		`{"Response":{"Devices":["\x"]}}`,
		`{"Response":{"Devices":["\u12"]}}`,
		`{"Response":{"Devices":[01]}}`,
		`{"Devices":[1,],"RequestId":"flat"}`,
		`[1,]`,
		`[1] [2]`,
		`{"Response":{"Devices":[]}} trailing`,
		`{"Response":{"Devices":[]}}}`,
		`<html><body>{"Response":{}}</body></html>`,
		// Cut short.
		`{"Response":{"Devices":["abc`,
		`{"Response":{"Devices":["ab\`,
		`{"Response":{"Devices":["ab\u00`,
		`{"Response":{"Devices":[{"DeviceId":"d1"}`,
		`{"Response":{"Devices":[{"DeviceId":"d1"}]`,
		`{"Response":{"Devices":[{"DeviceId":"d1"}]}`,
		`[{"DeviceId":"d1"}`,
		// Does not fit out.
		`{"Response":{"Devices":"not a list","RequestId":"r9"}}`,
		`{"Response":{"Devices":[{"DeviceId":1}],"RequestId":"r9"}}`,
		`{"Response":{"Count":1e400}}`,
		// Failures beside payload, valid or not.
		`{"Response":{"Devices":[1],"Error":{"Code":20005,"Message":"m"},"RequestId":"r"}}`,
		`{"Response":{"Devices":[1,],"Error":{"Code":20005,"Message":"m"},"RequestId":"r"}}`,
		`{"Response":{"Error":{"Code":20005},"Devices":["cut`,
		`{"Error":{"Code":"20001","Message":"m"},"Data":[1],"RequestId":7}`,
		`{"Error":{"Code":"20001","Message":"m"},"Data":[1,],"RequestId":7}`,
		`{"error":"down","data":{"a":[]}}`,
		`{"Response":{"Data":{"Error":{"Code":1}}}}`,
		`{"Response":{"Error":{"Code":0},"Data":[1]},"Error":{"Code":20003}}`,
		// Repeated members.
		`{"Response":{"Error":{"Code":20005},"Data":[1]},"Response":{"Count":6,"Devices":[]}}`,
		`{"Response":{"Data":[1,]},"Response":{"Count":6}}`,
		`{"Response":{"Count":6,"Devices":[]},"Response":[1]}`,
		`{"Response":{"Count":6,"Devices":[1,]},"Response":[1]}`,
		`{"Response":[1,2],"Response":{"Count":7}}`,
		`{"Response":[1,],"Response":{"Count":7}}`,
		`{"Response":{"Devices":[],"Devices":[{"DeviceId":"x"}],"RequestId":"a","RequestId":"b"}}`,
		`{"response":{"devices":[{"deviceid":"lower"}],"requestid":"r"},"REQUESTID":"top"}`,
		// Bodies that look like {"Response":{...}} from both ends and are
		// not, or are with space around.
		" { \"Response\" :\n{\"Count\":1} }\t",
		`{"Response":{"Count":1},"Response":{"Count":2}}`,
		`{"Response":{"Count":1},"Extra":{"a":1}}`,
		`{"Response":{"Count":1},"Error":{"Code":20005,"Message":"top"}}`,
		`{"Response":{"Error":{"Code":20005,"Message":"inside"}}}`,
		`{"Response":{"Count":1}},{"x":{}}`,
		`{"Response":{"Count":"}"}}`,
		`{"Response":{}}`,
		`{"Response":}`,
		`{"Response":{}`,
		`{"Response"}`,
		// A Response that is not an object.
		`{"Response":"text","Devices":[{"DeviceId":"d1"}]}`,
		`{"Response":12,"Count":3,"Devices":[]}`,
		`{"Response":[{"DeviceId":"d1"}],"RequestId":"r"}`,
		`{"Response":null,"Devices":[1,]}`,
		`{"Response":true,"Devices":[]}`,
		// Nothing to skim.
		`{"Response":{"Count":1}}`,
		`{"Response":{}}`,
		`{}`,
		`null`,
		`"text"`,
		`12`,
		``,
		" \n",
		// Nesting at and past the limit.
		`{"Response":{"Devices":` + strings.Repeat("[", 9997) + strings.Repeat("]", 9997) + `}}`,
		`{"Response":{"Devices":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`,
		`{"Response":{"Devices":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		// Large bodies, valid, cut short, broken at the end.
		string(bigDevices(3000, `],"Count":3000}}`)),
		string(bigDevices(3000, `],"Count":3000}`)),
		string(bigDevices(3000, `,],"Count":3000}}`)),
		string(bigDevices(3000, `],"Count":3000,"Error":{"Code":20005,"Message":"late"}}}`)),
		string(bigDevices(3000, `],"Count":"3000"}}`)),
		string(bigDevices(3000, `]}} `+"\x00")),
	}
	header := http.Header{}
	header.Set("X-Request-Id", "hdr")
	for _, status := range []int{200, 201, 204, 302, 404, 500} {
		for _, body := range bodies {
			checkSkimMatches(t, status, header, []byte(body))
			checkSkimMatches(t, status, nil, []byte(body))
		}
	}
}
