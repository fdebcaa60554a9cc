package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const jsonContentType = "application/json; charset=utf-8"

// wireReply is a Reply as it goes on the wire, the same for both flavours:
// what a fault then does with it is the flavour's business.
type wireReply struct {
	status    int
	header    http.Header
	body      []byte
	size      int   // Oversized: the generated body's length; body is nil
	part      *part // a File's transfer; body is nil
	requestID string
}

// open returns a fresh reader of the whole body.
func (p wireReply) open() io.Reader {
	if p.part != nil {
		return p.part.reader()
	}
	if p.size > 0 {
		return newPaddedBody(p.requestID, p.size)
	}
	return bytes.NewReader(p.body)
}

// length is the body's length in bytes.
func (p wireReply) length() int {
	if p.part != nil {
		return int(p.part.length())
	}
	if p.size > 0 {
		return paddedLen(p.requestID, p.size)
	}
	return len(p.body)
}

// wire turns r into a status, headers and body; date is the platform's
// clock. Every reply with a body has a Content-Type (except Raw with none),
// and a Content-Length; every reply has a Date.
func (r Reply) wire(date time.Time) wireReply {
	p := wireReply{status: r.status, header: http.Header{}, requestID: r.requestID}
	jsonBody := true
	switch r.kind {
	case KindOK, KindLogin, KindSlowHeaders:
		p.body = okBody(r, &p.requestID)
	case KindSlowBody, KindResetMidBody:
		// Long enough to cut in half or trickle in ten pieces.
		p.body = okBody(r.withPayload(map[string]string{"Padding": strings.Repeat("x", 64)}), &p.requestID)
	case KindTruncatedJSON:
		full := okBody(r.withPayload(map[string]any{"Items": []int{1, 2, 3, 4, 5, 6, 7, 8}}), &p.requestID)
		p.body = full[:len(full)/2]
	case KindFile:
		jsonBody = false
		p.part = r.part
	case KindOversized:
		if p.requestID == "" {
			p.requestID = uuid.NewString()
		}
		p.size = max(r.size, 1)
	case KindError:
		p.body = errorBody(r, &p.requestID)
	default: // Status, HTML, Raw; faults without a body
		jsonBody = false
		p.body = []byte(r.body)
		if r.contentType != "" {
			p.header.Set("Content-Type", r.contentType)
		}
	}
	if p.status == 0 {
		p.status = http.StatusOK
	}
	if jsonBody {
		p.header.Set("Content-Type", jsonContentType)
	}
	if p.requestID != "" {
		p.header.Set("X-Request-Id", p.requestID)
	}
	if r.retryAfter > 0 {
		secs := (r.retryAfter + time.Second - 1) / time.Second
		p.header.Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	p.header.Set("Date", date.UTC().Format(http.TimeFormat))
	p.header.Set("Content-Length", strconv.Itoa(p.length()))
	for k, v := range r.header {
		p.header[k] = append([]string(nil), v...)
	}
	return p
}

func (r Reply) withPayload(v any) Reply {
	raw, _ := json.Marshal(v)
	r.payload = raw
	return r
}

// okBody is the body of a success; *id is the request id, generated when empty, or
// taken from the payload when it has a RequestId member.
func okBody(r Reply, id *string) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, r.payload); err != nil || buf.Len() == 0 || buf.String() == "null" {
		buf.Reset()
		buf.WriteString("{}")
	}
	payload := buf.Bytes()
	if payload[0] == '{' {
		var members map[string]json.RawMessage
		_ = json.Unmarshal(payload, &members)
		if raw, ok := members["RequestId"]; ok {
			_ = json.Unmarshal(raw, id)
		} else {
			if *id == "" {
				*id = uuid.NewString()
			}
			idJSON, _ := json.Marshal(*id)
			obj := payload[:len(payload)-1]
			if len(members) > 0 {
				obj = append(obj, ',')
			}
			payload = append(append(append(obj, `"RequestId":`...), idJSON...), '}')
		}
	} else if *id == "" {
		*id = uuid.NewString()
	}
	if r.flat {
		return payload
	}
	return append(append([]byte(`{"Response":`), payload...), '}')
}

type wireError struct {
	Code    any    `json:"Code"`
	Message string `json:"Message"`
}

type wireErrorEnvelope struct {
	Error     wireError `json:"Error"`
	RequestID string    `json:"RequestId"`
}

// errorBody is the Error envelope of r.
func errorBody(r Reply, id *string) []byte {
	if *id == "" {
		*id = uuid.NewString()
	}
	var code any = r.code
	if r.codeString {
		code = strconv.Itoa(r.code)
	}
	env := wireErrorEnvelope{Error: wireError{Code: code, Message: r.errorMessage()}, RequestID: *id}
	var v any = env
	if !r.flat {
		v = struct {
			Response wireErrorEnvelope `json:"Response"`
		}{env}
	}
	b, _ := json.Marshal(v)
	return b
}
