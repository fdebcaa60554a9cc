package client

import (
	"bytes"
	"context"
	stderrors "errors"

	"github.com/cenkalti/backoff/v4"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// transportStep is the pipeline's last step: it sends the request, reads
// the answer and decodes it into the call's out. It never retries.
type transportStep struct{ c *Client }

func (s transportStep) run(ctx context.Context, a *exchange) result {
	c, k, r := s.c, a.k, a.r
	r.SetContext(ctx)
	r.SetDoNotParseResponse(true)
	if k.body != nil {
		// A *bytes.Reader, not the []byte: resty copies a []byte twice
		// per attempt, while net/http sends a *bytes.Reader as it is and
		// rewinds it (Request.GetBody) for a redirect or an HTTP/2 retry.
		r.SetBody(bytes.NewReader(k.body))
	} else if k.upload != nil {
		if err := k.upload.ready(); err != nil {
			return result{err: err, refused: true, ctx: ctx}
		}
		r.SetContext(withUpload(ctx, k.upload))
	}
	if len(k.opts.query) > 0 {
		r.SetQueryParamsFromValues(k.opts.query)
	}
	resp, err := r.Execute(k.method, a.base+k.path)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		if stderrors.Is(err, errStaleSession) {
			return result{refused: true, stale: true}
		}
		if re := (*RedirectError)(nil); stderrors.As(err, &re) {
			err = backoff.Permanent(re) // the platform would redirect again
		}
		return result{err: c.redact(k, k.sess, &apierrors.TransportError{Err: err}, nil)}
	}
	raw := resp.RawBody()
	defer raw.Close()
	status, header := resp.StatusCode(), resp.Header()
	if k.download != nil {
		return c.receive(a, status, header, raw, resp.RawResponse.ContentLength)
	}
	body, err := readBody(raw, resp.RawResponse.ContentLength, c.maxBody, &c.chunks)
	if err != nil {
		if err == ErrResponseTooLarge {
			// Sending the call again brings the same body back.
			err = backoff.Permanent(err)
		}
		return result{status: status, header: header, err: &apierrors.TransportError{Err: err}}
	}
	err = DecodeResponse(status, header, body, k.out)
	if err != nil {
		err = c.redact(k, k.sess, err, body)
	}
	// Decoding copied what it keeps (out, messages, snippets): the body
	// can serve the next call's read.
	c.chunks.recycle(body)
	return result{status: status, header: header, err: err}
}
