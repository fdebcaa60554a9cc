package mock

import (
	"fmt"
	"time"
)

// settle turns the reply a script chose into what goes on the wire, and
// completes the request's record with it. A reply past Exhausted calls
// exhausted with the failure message and goes out as Code(501), a code the
// SDK does not retry.
func settle(rec *Request, rep Reply, date time.Time, exhausted func(msg string)) (Reply, response) {
	wire := rep
	if rep.kind == KindExhausted {
		msg := fmt.Sprintf("mock: %s %s called after its script was exhausted", rec.Method, rec.Path)
		exhausted(msg)
		wire = Code(codeExhausted).WithMessage(msg)
	}
	p := render(wire, date)
	rec.Reply = rep.kind
	if wire.kind == KindError {
		rec.Code = wire.code
	}
	if rep.kind.sendsStatus() {
		rec.Status = p.status
	}
	return wire, p
}
