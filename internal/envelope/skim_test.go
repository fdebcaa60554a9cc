package envelope

import (
	"encoding/json"
	"strings"
	"testing"
)

// skimSeeds are bodies whose payload a Skim skips, or must not: brackets
// and escapes inside strings, invalid or cut-short payloads, payload beside
// the Response object, repeated members, a Response of every kind.
var skimSeeds = []string{
	`{"Response":{"RequestId":"r1","Devices":[{"Id":"d1","Tags":["a","b"]}],"Total":1}}`,
	`{"Response":{"Devices":[{"Name":"a}b]c{d[e"}],"RequestId":"r"}}`,
	`{"Response":{"Devices":[{"Name":"q\"}]"}],"RequestId":"r"}}`,
	`{"Response":{"Devices":[{"Name":"\\"}],"RequestId":"r"}}`,
	`{"Response":{"Devices":[{"Name":"\\\"]"}]}}`,
	`{"Response":{"Devices":["\u005d\u007d"]}}`,
	`{"Response":{"Devices":[1,2,}]}}`,
	`{"Response":{"Devices":[1 2]}}`,
	`{"Response":{"Devices":[tru]}}`,
	`{"Response":{"Devices":[{"a" 1}]}}`,
	`{"Response":{"Devices":[{"a":1]}}}`,
	`{"Response":{"Devices":["a` + "\x01" + `"]}}`,
	`{"Response":{"Devices":["\x"]}}`,
	`{"Response":{"Devices":["abc`,
	`{"Response":{"Devices":["ab\`,
	`{"Response":{"Devices":[{"a":[`,
	`{"Response":{"Devices":[]}`,
	`{"Response":{"Devices":[]}}}`,
	`{"Response":{"Devices":[]}} x`,
	`{"Response":{"Devices":[], "Error":{"Code":20005}}}`,
	`{"Response":{"Devices":[1,}], "Error":{"Code":20005}}}`,
	`{"Response":{"Data":{},"RequestId":"in"},"RequestId":"out"}`,
	`{"Response":{"Data":{}},"Extra":[1,2]}`,
	`{"Response":{"Data":{}},"Extra":[1,]}`,
	`{"Extra":[1,],"Response":{"Data":{}}}`,
	`{"A":[],"B":{},"C":[],"D":{},"E":[],"Response":{"Data":{}}}`,
	`{"Response":{"Data":[1,]},"Response":{"Data":{}}}`,
	`{"Response":{"Data":[1]},"Response":{"Data":{}}}`,
	`{"Response":{"Data":{}},"Response":[1,]}`,
	`{"Response":[1,2],"Response":{"Data":[]}}`,
	`{"Response":[1,],"Response":{"Data":[]}}`,
	`{"Response":[{"Error":{"Code":1}}]}`,
	`{"Response":"text","Data":[1]}`,
	`{"Response":12,"Data":{"a":1}}`,
	`{"Response":null,"Data":{"a":1,}}`,
	`{"Data":{"a":[1,{"b":"]"}]},"RequestId":"flat"}`,
	`{"Data":{"a":[1,{"b":"]"}]},"Error":{"Code":1}}`,
	`[{"Error":{"Code":1}},["]"]]`,
	`[1,]`,
	`[1,2] [3]`,
	` [ "a\\" , {"b":"\""} ] `,
	`{"response":{"DATA":[1],"requestid":"r"},"RESPONSE":{"data":[2]}}`,
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	`{"Response":{"Data":` + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-2) + `}}`,
	`{"Response":{"Data":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}}`,
	`{"Response":{"Data":` + strings.Repeat(`{"a":`, maxDepth-1) + "1" + strings.Repeat("}", maxDepth-1) + `}}`,
}

// FuzzSkimMatchesScan wants Skim to answer as Scan does, except where it
// says it skipped part of the Result: then the body must be JSON exactly
// when the Result is, and, when it is, every member must be where Scan
// found it.
func FuzzSkimMatchesScan(f *testing.F) {
	for _, seeds := range [][]string{skimSeeds, differentialSeeds} {
		for _, s := range seeds {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkSkim(t, body)
	})
}

func checkSkim(t *testing.T, body []byte) {
	t.Helper()
	skim, scan := Skim(body), Scan(body)
	if !skim.Unchecked {
		if skim.JSON != scan.JSON || skim.Truncated != scan.Truncated || skim.spans != scan.spans {
			t.Fatalf("body %q\nSkim: JSON %v, Truncated %v, %+v\nScan: JSON %v, Truncated %v, %+v",
				body, skim.JSON, skim.Truncated, skim.spans, scan.JSON, scan.Truncated, scan.spans)
		}
		return
	}
	result := skim.Result()
	if !skim.JSON || skim.Truncated || result[0] != '{' && result[0] != '[' {
		t.Fatalf("body %q: Skim skipped with JSON %v, Truncated %v, Result %q", body, skim.JSON, skim.Truncated, result)
	}
	if valid := json.Valid(result); valid != scan.JSON {
		t.Fatalf("body %q: Result %q valid %v, body valid %v", body, result, valid, scan.JSON)
	}
	if scan.JSON && skim.spans != scan.spans {
		t.Fatalf("body %q\nSkim: %+v\nScan: %+v", body, skim.spans, scan.spans)
	}
}

func TestSkim(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		unchecked bool // the Result's payload was skipped
		json      bool
	}{
		{name: "payload inside Response is skipped", body: `{"Response":{"RequestId":"r","Devices":[{"Id":"d1"}]}}`, unchecked: true, json: true},
		{name: "invalid payload inside Response is left to the Result", body: `{"Response":{"Devices":[1,]}}`, unchecked: true, json: true},
		{name: "brackets inside strings", body: `{"Response":{"Devices":[{"Name":"]}{["}]}}`, unchecked: true, json: true},
		{name: "escaped quote", body: `{"Response":{"Devices":["\"]}"]}}`, unchecked: true, json: true},
		{name: "escaped backslash", body: `{"Response":{"Devices":["\\"]}}`, unchecked: true, json: true},
		{name: "cut short inside a string", body: `{"Response":{"Devices":["abc`},
		{name: "cut short after a backslash", body: `{"Response":{"Devices":["ab\`},
		{name: "flat payload is skipped", body: `{"Devices":[1],"RequestId":"r"}`, unchecked: true, json: true},
		{name: "top-level array is skipped", body: `[{"Id":"d1"},[1,]]`, unchecked: true, json: true},
		{name: "scalars are checked", body: `{"Response":{"Total":01}}`},
		{name: "the envelope's members are checked", body: `{"Response":{"RequestId":"r","Error":{"Code":[1,]}}}`},
		{name: "nothing to skip", body: `{"Response":{"Error":{"Code":20005},"RequestId":"r"}}`, json: true},
		{name: "payload beside Response is checked", body: `{"Response":{"Data":{}},"Extra":[1,2]}`, unchecked: true, json: true},
		{name: "invalid payload beside Response", body: `{"Response":{"Data":{}},"Extra":[1,]}`},
		{name: "more payload beside Response than Skim keeps", body: `{"A":[],"B":[],"C":[],"D":[],"E":[],"Response":{"Data":{}}}`, json: true},
		{name: "an earlier Response is checked", body: `{"Response":{"Data":[1,]},"Response":{"Data":{}}}`},
		{name: "an earlier Response is part of a flat Result", body: `{"Response":{"Data":[1,]},"Response":1}`, unchecked: true, json: true},
		{name: "Response that is an array is payload", body: `{"Response":[1,]}`, unchecked: true, json: true},
		{name: "Response that is a string", body: `{"Response":"text"}`, json: true},
		{name: "Response that is a number", body: `{"Response":12}`, json: true},
		{name: "too deep", body: `{"Response":{"Data":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}}`},
		{name: "trailing garbage", body: `{"Response":{"Data":[]}} x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Skim([]byte(tt.body))
			if env.Unchecked != tt.unchecked || env.JSON != tt.json {
				t.Errorf("Skim(%q): Unchecked %v, JSON %v; want %v, %v", tt.body, env.Unchecked, env.JSON, tt.unchecked, tt.json)
			}
			checkSkim(t, []byte(tt.body))
		})
	}
}

// TestSkimEveryAlignment puts escapes, quotes and brackets at every offset
// of the eight-byte words a skip reads, and past the last whole word, so
// each lands on a word boundary somewhere.
func TestSkimEveryAlignment(t *testing.T) {
	payloads := []string{
		`["\"]}"]`,
		`["\\"]`,
		`["\\\"]"]`,
		`[{"a":"}"},"]"]`,
		`["\u005d"]`,
		`[[[]],{}]`,
	}
	for _, p := range payloads {
		for pad := range 24 {
			for _, tail := range []string{`,"RequestId":"r"}}`, `}}`} {
				body := `{"Response":{"Data":["` + strings.Repeat("x", pad) + `",` + p[1:] + tail
				env := Skim([]byte(body))
				if !env.Unchecked || !env.JSON {
					t.Errorf("Skim(%q): Unchecked %v, JSON %v; want both", body, env.Unchecked, env.JSON)
				}
				checkSkim(t, []byte(body))
			}
		}
	}
}
