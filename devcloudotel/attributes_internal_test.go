package devcloudotel

import "testing"

func TestServerSlicesTheURLTheClientHandsOver(t *testing.T) {
	for _, tc := range []struct {
		url  string
		host string
		port int
	}{
		{"http://127.0.0.1:8080/v1/devices?k=REDACTED", "127.0.0.1", 8080},
		{"http://127.0.0.1:8080", "127.0.0.1", 8080},
		{"https://api.devcloud.example/prefix/v1/devices", "api.devcloud.example", 443},
		{"http://api.devcloud.example?k=REDACTED", "api.devcloud.example", 80},
		{"http://[::1]:9000/v1", "::1", 9000},
		{"https://[0:0::1]/v1", "::1", 443},
		{"http://user:pass@gw.example:81/v1", "gw.example", 81},
		{"/v1/devices", "", 0},
	} {
		host, port := server(tc.url)
		if host != tc.host || port != tc.port {
			t.Errorf("server(%q) = %q, %d; want %q, %d", tc.url, host, port, tc.host, tc.port)
		}
	}
	if n := testing.AllocsPerRun(100, func() { server("http://127.0.0.1:8080/v1/devices?k=REDACTED") }); n != 0 {
		t.Errorf("server allocates %v times per URL, want 0", n)
	}
}

func TestCallSpanNameIsDevcloudAndTheSpanMethod(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PURGE", "get"} {
		if got, want := callSpanName(m), "devcloud "+spanMethod(m); got != want {
			t.Errorf("callSpanName(%q) = %q, want %q", m, got, want)
		}
	}
}
