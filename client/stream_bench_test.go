package client_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/devcloud/devcloud-go/mock"
)

// countWriter counts what it is given; it has no ReadFrom, so io.Copy and
// the SDK both copy through a buffer of their own.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

const benchSize = 256 << 20

// BenchmarkDownload256MiB downloads a generated 256 MiB file from one
// loopback server, in pairs within each iteration so both sides see the
// same machine (go test ./client -run '^$' -bench Download256MiB
// -benchtime 5x):
//
//   - sdk-MB/s and nethttp-MB/s: Do into a writer, and net/http's
//     Client.Get + io.Copy into the same kind of writer; sdk/nethttp is
//     their ratio;
//   - sdk-file-MB/s and resty-file-MB/s: Do into an *os.File, and resty's
//     SetOutput to a file path, in a temporary directory.
func BenchmarkDownload256MiB(b *testing.B) {
	f := newFileServer(b, benchSize)
	c := streamClient(b, f.URL, mock.NewFakeClock())
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	rc := resty.New()
	defer rc.GetClient().CloseIdleConnections()
	dir := b.TempDir()
	ctx := context.Background()
	var sdk, std, sdkFile, restyFile time.Duration
	timed := func(d *time.Duration, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	sdkDo := func() error { return c.Do(ctx, "GET", "/v1/recordings/r1", nil, &countWriter{}) }
	stdDo := func() error {
		resp, err := hc.Get(f.URL + "/v1/recordings/r1")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(&countWriter{}, resp.Body)
		return err
	}
	sdkFileDo := func() error {
		out, err := os.Create(filepath.Join(dir, "sdk.bin"))
		if err != nil {
			return err
		}
		defer out.Close()
		return c.Do(ctx, "GET", "/v1/recordings/r1", nil, out)
	}
	restyFileDo := func() error {
		_, err := rc.R().SetOutput(filepath.Join(dir, "resty.bin")).Get(f.URL + "/v1/recordings/r1")
		return err
	}
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		// Each pair runs in both orders, one per iteration: neither side
		// always meets a cold connection or a busy neighbour first.
		if i%2 == 0 {
			timed(&sdk, sdkDo)
			timed(&std, stdDo)
			timed(&sdkFile, sdkFileDo)
			timed(&restyFile, restyFileDo)
		} else {
			timed(&std, stdDo)
			timed(&sdk, sdkDo)
			timed(&restyFile, restyFileDo)
			timed(&sdkFile, sdkFileDo)
		}
	}
	b.StopTimer()
	rate := func(d time.Duration) float64 { return float64(b.N) * benchSize / 1e6 / d.Seconds() }
	b.ReportMetric(rate(sdk), "sdk-MB/s")
	b.ReportMetric(rate(std), "nethttp-MB/s")
	b.ReportMetric(std.Seconds()/sdk.Seconds(), "sdk/nethttp")
	b.ReportMetric(rate(sdkFile), "sdk-file-MB/s")
	b.ReportMetric(rate(restyFile), "resty-file-MB/s")
	b.ReportMetric(restyFile.Seconds()/sdkFile.Seconds(), "sdk/resty-file")
}
