package client_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/devcloud/devcloud-go/client"
)

// benchDevice is one element of the benchmark's device list.
type benchDevice struct {
	DeviceId string
	Name     string
	Online   bool
	Firmware string
}

// benchResult is what a caller of DecodeResponse would pass as out.
type benchResult struct {
	RequestId string
	Devices   []benchDevice
}

// benchEnvelope is what a caller of plain json.Unmarshal would declare to get
// the same data and see an error.
type benchEnvelope struct {
	Response struct {
		RequestId string
		Devices   []benchDevice
		Error     *struct {
			Code    any
			Message string
		}
	}
}

var (
	benchSuccess = []byte(`{"Response":{"RequestId":"6f1c2a9e-4b7d-4c1e-9a3b-2d8e5f0a1b2c","Devices":[` +
		`{"DeviceId":"dev-0001","Name":"gateway-lobby","Online":true,"Firmware":"2.4.1"},` +
		`{"DeviceId":"dev-0002","Name":"camera-door","Online":false,"Firmware":"1.9.0"},` +
		`{"DeviceId":"dev-0003","Name":"sensor-roof","Online":true,"Firmware":"3.0.2"}]}}`)
	benchFailure = []byte(`{"Response":{"Error":{"Code":20005,"Message":"发送消息超时"},` +
		`"RequestId":"6f1c2a9e-4b7d-4c1e-9a3b-2d8e5f0a1b2c"}}`)
	benchHeader = http.Header{"Content-Type": {"application/json"}}
)

// BenchmarkDecodeResponse measures DecodeResponse; compare each case with the
// same case of BenchmarkJSONUnmarshal, the floor a caller would pay anyway.
// 10MB is BenchmarkGet10MB's body without the network.
func BenchmarkDecodeResponse(b *testing.B) {
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchSuccess)))
		for b.Loop() {
			var out benchResult
			if err := client.DecodeResponse(200, benchHeader, benchSuccess, &out); err != nil {
				b.Fatal(err)
			}
			if len(out.Devices) != 3 {
				b.Fatal(out)
			}
		}
	})
	b.Run("error", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchFailure)))
		for b.Loop() {
			var out benchResult
			if err := client.DecodeResponse(200, benchHeader, benchFailure, &out); err == nil {
				b.Fatal("no error")
			}
		}
	})
	b.Run("10MB", func(b *testing.B) {
		body := bigList(10 << 20)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out doList
			if err := client.DecodeResponse(200, benchHeader, body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkJSONUnmarshal is the baseline of BenchmarkDecodeResponse: one
// json.Unmarshal of the same bodies into an envelope struct.
func BenchmarkJSONUnmarshal(b *testing.B) {
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchSuccess)))
		for b.Loop() {
			var env benchEnvelope
			if err := json.Unmarshal(benchSuccess, &env); err != nil {
				b.Fatal(err)
			}
			if env.Response.Error != nil || len(env.Response.Devices) != 3 {
				b.Fatal(env)
			}
		}
	})
	b.Run("error", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchFailure)))
		for b.Loop() {
			var env benchEnvelope
			if err := json.Unmarshal(benchFailure, &env); err != nil {
				b.Fatal(err)
			}
			if env.Response.Error == nil {
				b.Fatal("no error")
			}
		}
	})
	b.Run("10MB", func(b *testing.B) {
		body := bigList(10 << 20)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var env restyEnvelope
			if err := json.Unmarshal(body, &env); err != nil {
				b.Fatal(err)
			}
			if env.Response.Error != nil {
				b.Fatal(env.Response.Error)
			}
		}
	})
}
