package redisstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/devcloud/devcloud-go/client"
)

// stored is a session's JSON in Redis; the generation goes before it, written
// by the script that assigns it.
type stored struct {
	Token     string    `json:"t"`
	CSRFToken string    `json:"c,omitempty"`
	ExpiresAt time.Time `json:"e,omitzero"`
}

func encode(s client.Session) string {
	b, _ := json.Marshal(stored{Token: s.Token, CSRFToken: s.CSRFToken, ExpiresAt: s.ExpiresAt})
	return string(b)
}

// decode reads "<generation>\n<JSON>". Its error never quotes the value:
// it holds a token.
func decode(v string) (client.Session, error) {
	g, js, ok := strings.Cut(v, "\n")
	gen, err := strconv.ParseUint(g, 10, 64)
	var st stored
	if !ok || err != nil || gen == 0 || json.Unmarshal([]byte(js), &st) != nil || st.Token == "" {
		return client.Session{}, fmt.Errorf("%w (%d bytes)", ErrMalformed, len(v))
	}
	return client.Session{Token: st.Token, CSRFToken: st.CSRFToken, ExpiresAt: st.ExpiresAt, Generation: gen}, nil
}

// millis renders d as whole milliseconds, rounded up so a positive duration
// never becomes 0 (Redis refuses PX 0).
func millis(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}
