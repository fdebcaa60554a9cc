package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

// Files stream: an io.Reader in is sent as it is read (an *os.File is
// rewound for a retry), an io.Writer out receives the file as it arrives.
// A download cut on the way resumes where it stopped, with Range and
// If-Range; Progress reports both directions.
func ExampleClient_Do_files() {
	recording := mock.GeneratedFile(5 << 20).ResetAt(2 << 20) // cut once at 2 MiB
	srv := mock.NewServer()
	defer srv.Close()
	srv.On("GET", "/v1/recordings/{id}", recording.Reply())
	srv.On("PUT", "/v1/firmware/{name}", mock.OK(nil))
	c, _ := srv.NewClient(client.WithPolicy(fastRetries()))
	ctx := context.Background()

	dir, _ := os.MkdirTemp("", "devcloud-example")
	defer os.RemoveAll(dir)
	out, err := os.Create(filepath.Join(dir, "rec-1.bin"))
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	var last int64
	err = c.Do(ctx, "GET", "/v1/recordings/rec-1", nil, out,
		client.Progress(func(done, total int64) { last = done }))
	fmt.Println("downloaded:", err, last, "bytes in", len(recording.Ranges()), "requests")

	firmware := bytes.NewReader(make([]byte, 1<<20))
	err = c.Do(ctx, "PUT", "/v1/firmware/fw-2.bin", firmware, nil, client.ContentType("application/x-firmware"))
	fmt.Println("uploaded:", err, srv.Requests()[len(srv.Requests())-1].BodySize, "bytes")
	// Output:
	// downloaded: <nil> 5242880 bytes in 2 requests
	// uploaded: <nil> 1048576 bytes
}
