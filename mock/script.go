package mock

// Exhausted ends a script: once every reply before it has answered, the next
// request of the route is a test failure (t.Errorf on the Mock, or on a
// Server from StartServer) and is answered with Code(501), a code the SDK
// does not retry. Without it, a script's last reply repeats forever.
// It must be the last reply of a script.
func Exhausted() Reply {
	return Reply{kind: KindExhausted}
}

// script answers the requests of one route in order: each reply answers
// count() requests, then the last one repeats (or Exhausted fails).
type script struct {
	replies []Reply
	calls   int
	// optional scripts (the Mock's default login) are never unconsumed.
	optional bool
}

func newScript(where string, replies []Reply, login bool) *script {
	if len(replies) == 0 {
		panic("mock: " + where + " needs at least one Reply")
	}
	for i, r := range replies {
		if r.kind == KindExhausted && i != len(replies)-1 {
			panic("mock: " + where + ": Exhausted must be the last Reply")
		}
		if r.kind == KindLogin && !login {
			panic("mock: " + where + ": LoginOK answers only the login route")
		}
	}
	return &script{replies: append([]Reply(nil), replies...)}
}

// next returns the reply for the next request.
func (s *script) next() Reply {
	pos := s.calls
	s.calls++
	for _, r := range s.replies {
		if pos < r.count() {
			return r
		}
		pos -= r.count()
	}
	return s.replies[len(s.replies)-1]
}

// length is how many requests the script expects before it repeats or
// fails: the sum of its replies' counts, Exhausted excluded.
func (s *script) length() int {
	n := 0
	for _, r := range s.replies {
		if r.kind != KindExhausted {
			n += r.count()
		}
	}
	return n
}
