package client

import (
	"net/http"
	"reflect"
)

// A call streams its body when in is an io.Reader (upload.go) and its
// answer when out is an io.Writer (download.go); progress.go reports both.

// streamHeaders sets the headers of a streamed call's request: its body's
// Content-Type and a download's range.
func streamHeaders(h http.Header, k *call) {
	switch {
	case k.opts.contentType != "" && (k.body != nil || k.upload != nil):
		h["Content-Type"] = []string{k.opts.contentType}
	case k.upload != nil:
		h["Content-Type"] = []string{k.upload.ct}
	}
	if k.download != nil {
		k.download.request(h)
	}
}

// checkWriter refuses a nil writer, or one that is a nil pointer.
func checkWriter(w any) error {
	if v := reflect.ValueOf(w); v.Kind() == reflect.Pointer && v.IsNil() {
		return &InputError{Field: "out", Reason: "a nil io.Writer"}
	}
	return nil
}
