package envelope

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// reading is what a body says under the envelope's rules.
type reading struct {
	JSON      bool
	Failed    bool
	Failure   Failure
	RequestID string
	Result    []byte
}

// read is the envelope package's reading of body.
func read(body []byte) reading {
	env := Scan(body)
	f, failed := env.Failure()
	return reading{JSON: env.JSON, Failed: failed, Failure: f, RequestID: env.RequestID(), Result: env.Result()}
}

// referenceRead is the same rules applied with nothing but encoding/json:
// json.Valid for validity, struct fields of json.RawMessage to find the
// members (so names match and duplicates resolve as encoding/json does),
// and json.Unmarshal to read every string.
func referenceRead(body []byte) reading {
	r := reading{JSON: json.Valid(body)}
	if !r.JSON {
		return r
	}
	trimmed := bytes.Trim(body, " \t\r\n")
	var top struct{ Response, Error, RequestId json.RawMessage }
	var resp struct{ Error, RequestId json.RawMessage }
	if trimmed[0] == '{' {
		mustUnmarshal(body, &top)
		if kindOf(top.Response) == '{' {
			mustUnmarshal(top.Response, &resp)
		}
	}
	for _, side := range [2]struct{ err, id, other json.RawMessage }{
		{resp.Error, resp.RequestId, top.RequestId},
		{top.Error, top.RequestId, resp.RequestId},
	} {
		f, ok := referenceError(side.err)
		if !ok {
			continue
		}
		f.RequestID = referenceID(side.id)
		if f.RequestID == "" {
			f.RequestID = referenceID(side.other)
		}
		r.Failed, r.Failure = true, f
		break
	}
	r.RequestID = referenceID(resp.RequestId)
	if r.RequestID == "" {
		r.RequestID = referenceID(top.RequestId)
	}
	r.Result = trimmed
	if kindOf(top.Response) == '{' {
		r.Result = top.Response
	}
	return r
}

func referenceError(raw json.RawMessage) (Failure, bool) {
	switch kindOf(raw) {
	case '"':
		msg := referenceString(raw)
		if strings.TrimSpace(msg) == "" {
			return Failure{}, false
		}
		return Failure{Message: msg, NoCode: true}, true
	case '{':
	default:
		return Failure{}, false
	}
	var e struct{ Code, Message json.RawMessage }
	mustUnmarshal(raw, &e)
	f := Failure{}
	switch kindOf(e.Message) {
	case 0, 'n':
	case '"':
		f.Message = referenceString(e.Message)
	case '0':
		f.Message = string(e.Message)
	default:
		f.Message = Snippet(e.Message, MaxSnippet)
	}
	switch kindOf(e.Code) {
	case 0, 'n':
		f.NoCode = true
	case '"':
		text := strings.TrimSpace(referenceString(e.Code))
		if text == "" {
			f.NoCode = true
		} else {
			f.Code, f.RawCode = referenceCode(text)
		}
	case '0':
		f.Code, f.RawCode = referenceCode(string(e.Code))
	default:
		f.RawCode = Snippet(e.Code, MaxSnippet)
	}
	switch {
	case f.NoCode:
		return f, f.Message != ""
	case f.Code == 0 && f.RawCode == "":
		return Failure{}, false
	}
	return f, true
}

func referenceCode(text string) (int, string) {
	var n json.Number
	if text[0] != '-' && (text[0] < '0' || text[0] > '9') || json.Unmarshal([]byte(text), &n) != nil || n.String() != text {
		return 0, text
	}
	if i, err := strconv.ParseInt(text, 10, 32); err == nil {
		return int(i), ""
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, text
	}
	return int(int32(f)), ""
}

func referenceID(raw json.RawMessage) string {
	switch kindOf(raw) {
	case '"':
		return referenceString(raw)
	case '0':
		return string(raw)
	}
	return ""
}

func referenceString(raw json.RawMessage) string {
	var s string
	mustUnmarshal(raw, &s)
	return s
}

func kindOf(raw json.RawMessage) byte {
	if len(raw) == 0 {
		return 0
	}
	if c := raw[0]; c == '-' || '0' <= c && c <= '9' {
		return '0'
	}
	return raw[0]
}

func mustUnmarshal(data []byte, v any) {
	if err := json.Unmarshal(data, v); err != nil {
		panic(err) // the data is valid JSON of the right kind
	}
}

var differentialSeeds = []string{
	`{"Response":{"RequestId":"r1","Count":1}}`,
	`{"Response":{"Error":{"Code":20005,"Message":"发送消息超时"},"RequestId":"r1"}}`,
	`{"Error":{"Code":"20001","Message":"m"},"RequestId":7}`,
	`{"error":{"code":"InvalidParameter","message":{"a":[1,2]}},"requestid":"x"}`,
	`{"Response":{"Error":{"Code":0}},"Error":{"Code":2.0005e4}}`,
	`{"Response":1,"Response":{"Error":"down"}}`,
	`{"ERROR":{"CODE":true,"MESSAGE":12.5e3}}`,
	`{"Response":{"Error":{"Code":null,"Message":""}},"RequestId":"\ud83d\ude00"}`,
	"{\"Error\":{\"Code\":1,\"Message\":\"caf\xe9 \xff\xfe\"},\"RequestId\":\"\xc3\x28\"}",
	`{"Error":{"Code":1,"Message":"\ud800 lone"},"RequestId":"a\u0000b"}`,
	`{"Reſponse":{"Error":{"Code":"1e40"}}}`,
	`[{"Error":{"Code":1}}]`, `"text"`, `null`, `12`, `{}`, ` {"Response":null} `,
	`{"Response":{"Error":{"Code":" 20005 ","Message":"m"}}}`,
	`{"Response":{"Error":{"Code":"-0","Message":"m"}}}`,
}

// FuzzEnvelopeMatchesEncodingJSON reads every body with the scanner and with
// plain encoding/json under the same rules and wants the same answer:
// validity, failure, code, raw code, message, request id and payload.
func FuzzEnvelopeMatchesEncodingJSON(f *testing.F) {
	for _, s := range differentialSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, want := read(body), referenceRead(body)
		if got.JSON != want.JSON || got.Failed != want.Failed || got.Failure != want.Failure ||
			got.RequestID != want.RequestID || !bytes.Equal(got.Result, want.Result) {
			t.Fatalf("body %q\nscanner:       %+v\nencoding/json: %+v", body, got, want)
		}
	})
}
