package client

// Progress calls f as the call's body moves: for an upload (an io.Reader
// in) the bytes the transport has read of it, for a download (an io.Writer
// out) the bytes written to out. total is the body's size, -1 when it is
// unknown. f is called at most once per 64 KiB moved, and once when the
// body is complete. It runs on the goroutine moving the bytes (net/http's
// for an upload), never on two at once, and must be quick.
//
// done counts from the start of the content: a download that resumes goes
// on from the bytes it has; an upload sent again, or a download that starts
// over, counts from 0 again.
func Progress(f func(done, total int64)) CallOption {
	return func(c *callConfig) { c.progress = f }
}

// progressEvery is the most bytes moved between two calls of a Progress
// function.
const progressEvery = 64 << 10

// progress calls a Progress function as bytes move; the zero progress, or
// one with a nil f, calls nothing.
type progress struct {
	f      func(done, total int64)
	last   int64 // done at the last call
	called bool  // since the body (re)started
}

// restart starts the count over, for a body sent or fetched again.
func (p *progress) restart() { p.last, p.called = 0, false }

// moved reports done bytes of total, if enough moved since the last call.
func (p *progress) moved(done, total int64) {
	if p.f != nil && done-p.last >= progressEvery {
		p.last, p.called = done, true
		p.f(done, total)
	}
}

// end reports the body complete at done bytes, unless the last call did.
func (p *progress) end(done, total int64) {
	if p.f != nil && (!p.called || done != p.last) {
		p.last, p.called = done, true
		p.f(done, total)
	}
}
