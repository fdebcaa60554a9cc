package errors

import (
	"strconv"
	"strings"
)

// The error types print themselves for %#v: fmt's default would show
// APIError.Body and DecodeError.Snippet, bodies that may carry credentials,
// and the URL, query included, of a *url.Error inside Err. Causes are shown
// as the text Error shows.

// GoString returns e in Go syntax without Body, for %#v.
func (e *APIError) GoString() string {
	if e == nil {
		return "(*errors.APIError)(nil)"
	}
	var b goStruct
	b.start("APIError")
	b.int("Code", int(e.Code))
	b.str("RawCode", e.RawCode)
	b.str("Message", e.Message)
	b.int("HTTPStatus", e.HTTPStatus)
	b.str("RequestID", e.RequestID)
	b.int("Attempts", e.Attempts)
	b.str("Method", e.Method)
	b.str("Path", e.Path)
	b.int("RetryAfter", int(e.RetryAfter))
	b.cause(e.Err)
	return b.end()
}

// GoString returns e in Go syntax without Snippet, for %#v.
func (e *DecodeError) GoString() string {
	if e == nil {
		return "(*errors.DecodeError)(nil)"
	}
	var b goStruct
	b.start("DecodeError")
	b.int("HTTPStatus", e.HTTPStatus)
	b.str("RequestID", e.RequestID)
	b.str("Reason", e.Reason)
	b.int("BodyLen", e.BodyLen)
	b.int("Attempts", e.Attempts)
	b.str("Method", e.Method)
	b.str("Path", e.Path)
	b.cause(e.Err)
	return b.end()
}

// GoString returns e in Go syntax with its cause as Error shows it, for %#v.
func (e *TransportError) GoString() string {
	if e == nil {
		return "(*errors.TransportError)(nil)"
	}
	var b goStruct
	b.start("TransportError")
	b.int("Attempts", e.Attempts)
	b.str("Method", e.Method)
	b.str("Path", e.Path)
	b.cause(e.Err)
	return b.end()
}

type goStruct struct {
	b     strings.Builder
	first bool
}

func (g *goStruct) start(name string) {
	g.b.WriteString("&errors.")
	g.b.WriteString(name)
	g.b.WriteString("{")
	g.first = true
}

func (g *goStruct) field(name string) {
	if !g.first {
		g.b.WriteString(", ")
	}
	g.first = false
	g.b.WriteString(name)
	g.b.WriteString(":")
}

func (g *goStruct) int(name string, v int) {
	g.field(name)
	g.b.WriteString(strconv.Itoa(v))
}

func (g *goStruct) str(name, v string) {
	g.field(name)
	g.b.WriteString(strconv.Quote(v))
}

func (g *goStruct) cause(err error) {
	g.field("Err")
	if err == nil {
		g.b.WriteString("error(nil)")
		return
	}
	g.b.WriteString("errors.New(")
	g.b.WriteString(strconv.Quote(causeText(err)))
	g.b.WriteString(")")
}

func (g *goStruct) end() string {
	g.b.WriteString("}")
	return g.b.String()
}
