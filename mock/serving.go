package mock

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
)

// serving runs an http.Server on a loopback listener of the mock's own, as
// httptest does, for the Server and for each Gateway: quiet about resets
// and aborted handlers (they are the point here, not news), and a stop that
// waits for every connection.
type serving struct {
	hs     *http.Server
	served chan struct{} // closed when hs.Serve has returned
	conns  sync.WaitGroup
}

// start serves h on ln; stopped is told when Serve ends for any reason but
// stop.
func (v *serving) start(ln net.Listener, h http.HandlerFunc, keepAlives bool, stopped func(error)) {
	v.served = make(chan struct{})
	v.hs = &http.Server{
		Handler:  h,
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				v.conns.Add(1)
			case http.StateHijacked, http.StateClosed:
				v.conns.Done()
			}
		},
	}
	v.hs.SetKeepAlivesEnabled(keepAlives)
	go func() {
		defer close(v.served)
		if err := v.hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			stopped(err)
		}
	}()
}

// stop closes the listener and every connection (requests in flight
// included), then waits until no handler runs and no connection is open.
func (v *serving) stop() {
	_ = v.hs.Close()
	<-v.served // no connection starts after this
	v.conns.Wait()
}
