package main

import "github.com/devcloud/devcloud-go/mock"

// serveFileSize is the size of the recording serve hands out.
const serveFileSize = 16 << 20

// serveFiles adds the files serve answers, so call's --data @file and
// --output can be tried offline: GET /v1/recordings/{id} is a generated
// recording served with ranges, PUT /v1/files/{name} takes an upload.
func serveFiles(srv *mock.Server) {
	srv.On("GET", "/v1/recordings/{id}", mock.GeneratedFile(serveFileSize).Reply())
	srv.On("PUT", "/v1/files/{name}", mock.OK(map[string]any{"Stored": true}))
}
