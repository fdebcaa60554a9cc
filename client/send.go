package client

import (
	"bytes"
	"context"
	stderrors "errors"
	"net/http"

	"github.com/cenkalti/backoff/v4"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// transportStep is the pipeline's last step: it sends the request, reads
// the answer and decodes it into the call's out. It never retries.
type transportStep struct{ c *Client }

func (s transportStep) run(ctx context.Context, a *exchange) result {
	c, k := s.c, a.k
	if k.upload != nil {
		if err := k.upload.ready(); err != nil {
			return result{err: err, refused: true, ctx: ctx}
		}
		ctx = withUpload(ctx, k.upload)
	}
	resp, err := c.roundTrip(ctx, a)
	if err != nil {
		return c.unanswered(k, err)
	}
	return c.answered(a, resp)
}

// unanswered is the result of a request that got no response.
func (c *Client) unanswered(k *call, err error) result {
	if stderrors.Is(err, errStaleSession) {
		return result{refused: true, stale: true}
	}
	if re := (*RedirectError)(nil); stderrors.As(err, &re) {
		err = backoff.Permanent(re) // the platform would redirect again
	}
	return result{err: c.redact(k, k.sess, &apierrors.TransportError{Err: err}, nil)}
}

// answered reads and decodes the response to the request of a, and closes
// its body.
func (c *Client) answered(a *exchange, resp *http.Response) result {
	k := a.k
	raw := resp.Body
	defer raw.Close()
	status, header := resp.StatusCode, resp.Header
	if k.download != nil {
		return c.receive(a, status, header, raw, resp.ContentLength)
	}
	body, err := readBody(raw, resp.ContentLength, c.maxBody, &c.chunks)
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

// roundTrip sends the request of a and returns the response, whose body
// the caller closes, or the error that left none (request.go tells the two
// ways).
func (c *Client) roundTrip(ctx context.Context, a *exchange) (*http.Response, error) {
	if c.hc != nil {
		req, err := c.newRequest(ctx, a)
		if err != nil {
			return nil, err
		}
		return c.hc.Do(req)
	}
	k := a.k
	r := c.rc.R()
	r.Header = a.header
	r.SetContext(ctx)
	r.SetDoNotParseResponse(true)
	if k.body != nil {
		// A *bytes.Reader, not the []byte: resty copies a []byte twice
		// per attempt, while net/http sends a *bytes.Reader as it is and
		// rewinds it (Request.GetBody) for a redirect or an HTTP/2 retry.
		r.SetBody(bytes.NewReader(k.body))
	}
	if len(k.opts.query) > 0 {
		r.SetQueryParamsFromValues(k.opts.query)
	}
	resp, err := r.Execute(k.method, a.base+k.path)
	if err != nil {
		if resp != nil && resp.RawBody() != nil {
			resp.RawBody().Close()
		}
		return nil, err
	}
	return resp.RawResponse, nil
}
