package mock

import (
	"fmt"
	"io"
	"net/http"

	"github.com/devcloud/devcloud-go/retry"
)

// sendReply turns a reply into what the Mock's transport returns; faults
// become the transport error or failing body an http.Client would see from
// a real connection.
func sendReply(req *http.Request, rep Reply, p wireReply) (*http.Response, error) {
	ctx := req.Context()
	if rep.gate != nil && !rep.gate.wait(ctx, nil) {
		return nil, ctx.Err()
	}
	if err := retry.SystemClock().Sleep(ctx, rep.delay); err != nil {
		return nil, err
	}
	switch rep.kind {
	case KindResetBeforeResponse:
		return nil, errConnReset()
	case KindNetworkError:
		return nil, rep.err
	case KindSlowHeaders:
		if err := retry.SystemClock().Sleep(ctx, rep.dur); err != nil {
			return nil, err
		}
	}
	resp := &http.Response{
		Status:        fmt.Sprintf("%03d %s", p.status, http.StatusText(p.status)),
		StatusCode:    p.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        p.header,
		ContentLength: int64(p.length()),
		Request:       req,
	}
	switch rep.kind {
	case KindResetMidBody:
		resp.Body = &failingBody{data: p.body[:len(p.body)/2], err: errConnReset()}
	case KindSlowBody:
		resp.Body = newSlowBody(ctx, p.body, rep.dur)
	case KindFile:
		if p.part != nil && p.part.cut >= 0 {
			resp.Body = &cutBody{r: p.open(), err: errConnReset()}
		} else {
			resp.Body = io.NopCloser(p.open())
		}
	default:
		resp.Body = io.NopCloser(p.open())
	}
	return resp, nil
}
