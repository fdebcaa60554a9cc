package envelope

import (
	"testing"
)

func TestScan(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		json      bool
		truncated bool
		failed    bool
		failure   Failure
		requestID string
		result    string
	}{
		{name: "success envelope", body: `{"Response":{"RequestId":"r1","N":1}}`, json: true, requestID: "r1", result: `{"RequestId":"r1","N":1}`},
		{name: "flat success", body: ` {"N":1,"RequestId":"r2"} `, json: true, requestID: "r2", result: `{"N":1,"RequestId":"r2"}`},
		{name: "Response that is not an object is payload", body: `{"Response":[1]}`, json: true, result: `{"Response":[1]}`},
		{name: "error inside Response", body: `{"Response":{"Error":{"Code":20005,"Message":"m"},"RequestId":"r"}}`, json: true,
			failed: true, failure: Failure{Code: 20005, Message: "m", RequestID: "r"}, requestID: "r", result: `{"Error":{"Code":20005,"Message":"m"},"RequestId":"r"}`},
		{name: "Response's error wins over the top level's", body: `{"Error":{"Code":1},"Response":{"Error":{"Code":2}}}`, json: true,
			failed: true, failure: Failure{Code: 2}, result: `{"Error":{"Code":2}}`},
		{name: "numeric string code", body: `{"Error":{"Code":"20001","Message":"m"},"RequestId":7}`, json: true,
			failed: true, failure: Failure{Code: 20001, Message: "m", RequestID: "7"}, requestID: "7", result: `{"Error":{"Code":"20001","Message":"m"},"RequestId":7}`},
		{name: "code that is not a number is raw", body: `{"Error":{"Code":"Invalid"}}`, json: true,
			failed: true, failure: Failure{RawCode: "Invalid"}, result: `{"Error":{"Code":"Invalid"}}`},
		{name: "code 0 is success", body: `{"Error":{"Code":0,"Message":"ok"}}`, json: true, result: `{"Error":{"Code":0,"Message":"ok"}}`},
		{name: "message without code", body: `{"Error":{"Message":"down"}}`, json: true,
			failed: true, failure: Failure{NoCode: true, Message: "down"}, result: `{"Error":{"Message":"down"}}`},
		{name: "error as a string", body: `{"error":"down"}`, json: true,
			failed: true, failure: Failure{NoCode: true, Message: "down"}, result: `{"error":"down"}`},
		{name: "invalid UTF-8 becomes U+FFFD as with encoding/json", body: "{\"Error\":{\"Code\":1,\"Message\":\"a\xffb\"},\"RequestId\":\"\xc3(\"}", json: true,
			failed: true, failure: Failure{Code: 1, Message: "a\uFFFDb", RequestID: "\uFFFD("}, requestID: "\uFFFD(", result: "{\"Error\":{\"Code\":1,\"Message\":\"a\xffb\"},\"RequestId\":\"\xc3(\"}"},
		{name: "lone surrogate escape becomes U+FFFD", body: `{"Error":{"Code":1,"Message":"\ud800"}}`, json: true,
			failed: true, failure: Failure{Code: 1, Message: "\uFFFD"}, result: `{"Error":{"Code":1,"Message":"\ud800"}}`},
		{name: "truncated", body: `{"Response":{"N":`, truncated: true},
		{name: "not JSON", body: `<html>`},
		{name: "trailing garbage", body: `{}x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Scan([]byte(tt.body))
			f, failed := env.Failure()
			if env.JSON != tt.json || env.Truncated != tt.truncated || failed != tt.failed || f != tt.failure ||
				env.RequestID() != tt.requestID || string(env.Result()) != tt.result {
				t.Fatalf("Scan(%q) = JSON %v, Truncated %v, Failure %+v %v, RequestID %q, Result %q",
					tt.body, env.JSON, env.Truncated, f, failed, env.RequestID(), env.Result())
			}
		})
	}
}

func TestUnquoteAllocatesOnlyTheString(t *testing.T) {
	for _, q := range []string{`"plain ascii"`, `"héllo wörld"`} {
		b := []byte(q)
		if n := testing.AllocsPerRun(100, func() { _ = unquote(b) }); n != 1 {
			t.Errorf("unquote(%s): %v allocations, want 1", q, n)
		}
	}
}
