package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/devcloud/devcloud-go/mock"
)

// demoFileSize is the recording the demo downloads; the reset cuts it at
// 40 %.
const demoFileSize = 8 << 20

// fileStep downloads a recording whose first transfer is reset on the
// socket part way: the SDK resumes it with a Range from the bytes it has,
// and the file arrives whole.
func fileStep() step {
	return step{
		name:     "a download cut by a reset resumes",
		expected: "reset at 40 %, resumed with Range + If-Range: 2 requests, SHA-256 equal",
		run: func(ctx context.Context, d *demo) (string, bool) {
			f := mock.GeneratedFile(demoFileSize).ResetAt(demoFileSize * 4 / 10)
			d.srv.On("GET", "/v1/recordings/{id}", f.Reply())
			h := sha256.New()
			err := d.c.Do(ctx, "GET", "/v1/recordings/rec-1", nil, h)
			var sum [32]byte
			h.Sum(sum[:0])
			ranges := f.Ranges()
			equal := sum == f.SHA256()
			resumed := len(ranges) == 2 && ranges[0] == "" && strings.HasPrefix(ranges[1], "bytes=")
			if resumed {
				fmt.Fprintf(d.out, "  the second request asked Range: %s (If-Range %s)\n", ranges[1], f.ETag())
			}
			return fmt.Sprintf("%d requests, %s, SHA-256 equal: %v; %d bytes served: the file's %d + %d the reset dropped in flight",
				len(ranges), outcome(err), equal, f.Served(), demoFileSize, f.Served()-demoFileSize), err == nil && resumed && equal
		},
	}
}
