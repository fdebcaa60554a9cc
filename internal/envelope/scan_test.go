package envelope

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzScanner checks that the envelope scanner accepts exactly what
// encoding/json accepts, since the client trusts it for validity, and that it
// says "truncated" exactly when encoding/json fails at the end of the input.
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{
		``, ` `, `{}`, `[]`, `null`, `nul`, `true`, `false`, `0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+5`, `-1.25E-3`,
		`"a\u00e9\n"`, `"\u12"`, `"\x"`, "\"\x01\"", `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"Response":{"Error":null}}`,
		`{"Response":{"Error":{"Code":"20005"}},"RequestId":"x"}`, `[{"a":[{"b":{}}]}]`, "\xef\xbb\xbf{}",
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
		strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env := Scan(data)
		if got, want := env.JSON, json.Valid(data); got != want {
			t.Fatalf("scanner says valid=%v, json.Valid says %v", got, want)
		}
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		ended := errors.As(err, &se) && se.Error() == "unexpected end of JSON input"
		// encoding/json ends a text by scanning one space, so a literal or
		// number cut short reads "invalid character ' '" at the end, as does
		// a real space there ("tr "): only the first is cut short.
		atEnd := ended || errors.As(err, &se) && se.Offset == int64(len(data)) &&
			strings.HasPrefix(se.Error(), "invalid character ' '") && len(data) > 0 && !isSpace(data[len(data)-1])
		if env.Truncated != atEnd {
			t.Fatalf("Truncated = %v; encoding/json says %v", env.Truncated, err)
		}
	})
}

func TestKeyIsMatchesEncodingJSON(t *testing.T) {
	type probe struct{ Response, Error, RequestId, Code, Message int }
	names := map[string]string{"response": "Response", "error": "Error", "requestid": "RequestId", "code": "Code", "message": "Message"}
	keys := []string{
		`"Response"`, `"response"`, `"RESPONSE"`, `"Reſponse"`, `"Respons"`, `"Responses"`,
		`"error"`, `"\u0045rror"`, `"ERROR"`, `"Err\u006fr"`, `"Errör"`, `"error "`,
		`"RequestId"`, `"requestID"`, `"Requeſtİd"`, `"RequeſtId"`, `"requestıd"`,
		`"code"`, `"CODE"`, `"Cøde"`, `"message"`, `"MESSAGE"`, `"Meſſage"`, `"Mess\"age"`,
	}
	for _, key := range keys {
		var p probe
		if err := json.Unmarshal([]byte(`{`+key+`:1}`), &p); err != nil {
			t.Fatal(err)
		}
		v := reflect.ValueOf(p)
		for lower, field := range names {
			want := v.FieldByName(field).Int() == 1
			if got := keyIs([]byte(key), lower); got != want {
				t.Errorf("keyIs(%s, %q) = %v, encoding/json says %v", key, lower, got, want)
			}
		}
	}
}
