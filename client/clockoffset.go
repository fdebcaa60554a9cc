package client

import (
	"net/http"
	"sync/atomic"
	"time"
)

// clockOffset is the server's clock minus the local clock, learnt from the
// Date header of a 10006 ("login time abnormal") answer, so that logins
// are signed with the server's time.
type clockOffset struct {
	ns      atomic.Int64
	changes atomic.Uint64
}

// apply returns t on the server's clock.
func (o *clockOffset) apply(t time.Time) time.Time {
	return t.Add(time.Duration(o.ns.Load()))
}

// learn takes the offset from h's Date header, read at local time now,
// and reports whether it changed.
func (o *clockOffset) learn(h http.Header, now time.Time) bool {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return false
	}
	// Date has one-second resolution: round to the second to avoid
	// inventing sub-second precision.
	d := int64(t.Sub(now).Round(time.Second))
	if o.ns.Swap(d) == d {
		return false
	}
	o.changes.Add(1)
	return true
}

// version counts the changes so far, so a login can tell whether it
// corrected the clock.
func (o *clockOffset) version() uint64 { return o.changes.Load() }
