package envelope

import "testing"

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
