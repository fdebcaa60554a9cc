package envelope

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLikelyResult(t *testing.T) {
	for body, want := range map[string]string{
		`{"Response":{"Count":1}}`:            `{"Count":1}`,
		" {\n\"Response\" : {} } \t":          `{}`,
		`{"Response":{"a":{}},"Response":{}}`: `{"a":{}},"Response":{}`, // a guess, wrong
		`{"Response":{"a":1},"X":1}`:          ``,
		`{"response":{"a":1}}`:                ``,
		`{"Response":[1]}`:                    ``,
		`{"Response":{}`:                      ``,
		`{"Response":}`:                       ``,
		`{"Response"}`:                        ``,
		`{"Response":{"a":"}"}`:               ``,
		`[{"Response":{}}]`:                   ``,
		`{}`:                                  ``,
		``:                                    ``,
	} {
		got := LikelyResult([]byte(body))
		if string(got) != want || (want == "") != (got == nil) {
			t.Errorf("LikelyResult(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestSame(t *testing.T) {
	body := []byte(`{"Response":{"a":1}}`)
	env := Skim(body)
	if !Same(LikelyResult(body), env.Result()) {
		t.Fatalf("the likely result %q is not Result %q", LikelyResult(body), env.Result())
	}
	if Same(body[12:19], append([]byte(nil), body[12:19]...)) || Same(body[12:19], body[12:18]) || Same(nil, nil) {
		t.Fatal("Same of different bytes")
	}
}

// FuzzPlainIsSure wants a body Plain reads without a scan, once its result
// is JSON, to be the success a scan and encoding/json find, with that
// result.
func FuzzPlainIsSure(f *testing.F) {
	for _, seeds := range [][]string{skimSeeds, differentialSeeds, {
		`{"Response":{"Count":1}}`, `{"Response":{"ERROR":{"Code":1}}}`, `{"Response":{"Err\u006fr":{"Code":1}}}`,
		`{"Response":{"a":{}},"Response":{}}`, `{"Response":{"Errors":[]}}`,
	}} {
		for _, s := range seeds {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		result := Plain(body)
		if result == nil || !json.Valid(result) {
			return
		}
		env := Scan(body)
		if _, failed := env.Failure(); !env.JSON || failed || !Same(env.Result(), result) {
			t.Fatalf("body %q: Plain %q, Scan: JSON %v, failed %v, Result %q", body, result, env.JSON, failed, env.Result())
		}
		if want := referenceRead(body); !want.JSON || want.Failed || !bytes.Equal(want.Result, result) {
			t.Fatalf("body %q: Plain %q, encoding/json: %+v", body, result, want)
		}
	})
}

// TestMayNameErrorEveryAlignment wants "error" in any case, and a
// backslash, found wherever they fall in the eight-byte words.
func TestMayNameErrorEveryAlignment(t *testing.T) {
	filler := strings.Repeat("xr", 12)
	for _, word := range []string{"error", "ERROR", "eRrOr", "\\"} {
		for at := 0; at <= len(filler); at++ {
			b := []byte(filler[:at] + word + filler[at:])
			if !mayNameError(b) {
				t.Errorf("%q: not found", b)
			}
		}
	}
	for _, b := range []string{filler, "erro", "rror", "erorr", "e rror", "errr", "terrible", ""} {
		if mayNameError([]byte(b)) {
			t.Errorf("%q: found", b)
		}
	}
}
