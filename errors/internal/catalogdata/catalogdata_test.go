package catalogdata

import (
	"fmt"
	"strings"
	"testing"
)

// validEntries returns a catalog that passes Validate: 8 HTTP codes and 64
// logic codes.
func validEntries() []Entry {
	var es []Entry
	for i, c := range []int{400, 403, 404, 500, 501, 502, 503, 504} {
		es = append(es, Entry{Code: c, Name: fmt.Sprintf("HTTP%d", i), ZH: "错误", EN: "an error", Category: "client", Action: "fail"})
	}
	for i := range WantEntries - WantHTTP {
		es = append(es, Entry{Code: 10000 + i, Name: fmt.Sprintf("Logic%d", i), ZH: "错误", EN: "an error", Category: "server", Action: "retry"})
	}
	return es
}

func TestValidateAcceptsAWellFormedCatalog(t *testing.T) {
	if err := Validate(validEntries(), nil); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
}

func TestValidateRejectsEachKindOfMistake(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]Entry) []Entry
		want   string
	}{
		{"too few entries", func(es []Entry) []Entry { return es[:71] }, "71 entries, want 72"},
		{"too many entries", func(es []Entry) []Entry {
			return append(es, Entry{Code: 50000, Name: "Extra", ZH: "错误", EN: "x", Category: "client", Action: "fail"})
		}, "73 entries, want 72"},
		{"wrong number of HTTP codes", func(es []Entry) []Entry { es[7].Code = 9999; return es }, "7 HTTP codes, want 8"},
		{"descending code", func(es []Entry) []Entry { es[1].Code = 300; return es }, "codes must be ascending and unique (follows 400)"},
		{"duplicate code", func(es []Entry) []Entry { es[9].Code = es[8].Code; return es }, "entry 9 (code 10000): codes must be ascending and unique"},
		{"zero code", func(es []Entry) []Entry { es[0].Code = 0; return es }, "code must be positive"},
		{"unexported name", func(es []Entry) []Entry { es[3].Name = "badName"; return es }, `name "badName" is not an exported Go identifier`},
		{"name with a space", func(es []Entry) []Entry { es[3].Name = "Bad Name"; return es }, `name "Bad Name" is not an exported Go identifier`},
		{"duplicate name", func(es []Entry) []Entry { es[20].Name = es[10].Name; return es }, `name "Logic2" is also used by code 10002`},
		{"reserved name", func(es []Entry) []Entry { es[5].Name = "Lookup"; return es }, `name "Lookup" is already declared in package errors`},
		{"unknown category", func(es []Entry) []Entry { es[4].Category = "unknown"; return es }, `unknown category "unknown" (want one of auth, client, server, throttle)`},
		{"unknown action", func(es []Entry) []Entry { es[4].Action = "retry-forever"; return es }, `unknown action "retry-forever"`},
		{"empty zh", func(es []Entry) []Entry { es[2].ZH = ""; return es }, "zh is empty"},
		{"blank en", func(es []Entry) []Entry { es[2].EN = "  "; return es }, "en is empty"},
		{"padded zh", func(es []Entry) []Entry { es[2].ZH = " 错误"; return es }, "zh has leading or trailing space"},
		{"multi-line en", func(es []Entry) []Entry { es[2].EN = "one\ntwo"; return es }, "en must be one line"},
		{"invalid UTF-8", func(es []Entry) []Entry { es[2].ZH = "\xe9\x94"; return es }, "zh is not valid UTF-8"},
		{"README marker in text", func(es []Entry) []Entry { es[2].EN = "x <!-- END -->"; return es }, "en contains a comment delimiter"},
		{"en ends with a period", func(es []Entry) []Entry { es[2].EN = "an error."; return es }, "en must not end with a period"},
	}
	reserved := map[string]bool{"Lookup": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.mutate(validEntries()), reserved)
			if err == nil {
				t.Fatalf("Validate = nil, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	es := validEntries()
	es[0].Category = "nope"
	es[1].Action = "nope"
	es[2].EN = ""
	err := Validate(es, nil)
	if err == nil {
		t.Fatal("Validate = nil, want an error")
	}
	if got := strings.Count(err.Error(), "\n\t"); got != 3 {
		t.Errorf("Validate listed %d problems, want 3:\n%v", got, err)
	}
}

func TestParseRejectsUnknownFieldsAndTrailingData(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"misspelt key", `[{"code": 1, "nmae": "X"}]`, `unknown field "nmae"`},
		{"trailing data", `[] []`, "unexpected data after the array"},
		{"not an array", `{"code": 1}`, "cannot unmarshal object"},
		{"string code", `[{"code": "1"}]`, "cannot unmarshal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) error = %v, want it to contain %q", tt.data, err, tt.want)
			}
		})
	}
}

func TestParseKeepsTextsByteForByte(t *testing.T) {
	es, err := Parse([]byte(`[{"code": 20006, "name": "ValueNotFound", "zh": "查询不到值.", "en": "x", "category": "client", "action": "fail"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := Entry{Code: 20006, Name: "ValueNotFound", ZH: "查询不到值.", EN: "x", Category: "client", Action: "fail"}
	if len(es) != 1 || es[0] != want {
		t.Errorf("Parse = %+v, want [%+v]", es, want)
	}
}

func TestRenderTableEscapesPipes(t *testing.T) {
	got := RenderTable([]Entry{{Code: 1, Name: "A", ZH: "甲|乙", EN: "a | b", Category: "client", Action: "fail"}})
	want := "| Code | Name | 中文 | Description | Category | Default action |\n" +
		"|---:|---|---|---|---|---|\n" +
		"| 1 | `A` | 甲\\|乙 | a \\| b | client | `fail` |\n"
	if got != want {
		t.Errorf("RenderTable =\n%s\nwant\n%s", got, want)
	}
}

func TestRenderCodesDocIsGeneratedAndHoldsEveryRow(t *testing.T) {
	entries := []Entry{
		{Code: 1, Name: "A", ZH: "甲", EN: "a", Category: "client", Action: "fail"},
		{Code: 2, Name: "B", ZH: "乙", EN: "b", Category: "server", Action: "retry"},
	}
	got := string(RenderCodesDoc(entries))
	if !strings.HasPrefix(got, CodesDocHeader+"\n") {
		t.Errorf("RenderCodesDoc does not start with the generated-code header:\n%s", got)
	}
	if !strings.HasSuffix(got, RenderTable(entries)) {
		t.Errorf("RenderCodesDoc does not end with the table:\n%s", got)
	}
	if !strings.Contains(got, "The platform's 2 codes") {
		t.Errorf("RenderCodesDoc does not count the codes:\n%s", got)
	}
	if again := string(RenderCodesDoc(entries)); again != got {
		t.Error("RenderCodesDoc is not deterministic")
	}
}

func TestRenderGoIsGofmtedAndDeterministic(t *testing.T) {
	es := validEntries()
	a, err := RenderGo(es)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderGo(es)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("RenderGo gave different output for the same entries")
	}
	src := string(a)
	for _, want := range []string{
		Header + "\n\npackage errors\n",
		"\t// HTTP0 is 400: 错误 (an error).\n\tHTTP0 Code = 400\n",
		"\t{Code: Logic0, Name: \"Logic0\", Message: \"错误\", Description: \"an error\", Category: CategoryServer, Action: ActionRetry},\n",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("RenderGo output lacks %q", want)
		}
	}
}

func TestDeclaredNamesListsTopLevelNames(t *testing.T) {
	names, err := DeclaredNames("../..", "catalog_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Code", "Info", "Lookup", "All", "APIError", "CategoryAuth", "ActionRetry", "IsRetryable", "catalog"} {
		want := n != "catalog" // catalog is declared only by the skipped file
		if names[n] != want {
			t.Errorf("DeclaredNames[%q] = %v, want %v", n, names[n], want)
		}
	}
	if names["Error"] || names["Is"] {
		t.Error("DeclaredNames includes methods; want top-level names only")
	}
}
