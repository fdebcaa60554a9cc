module github.com/devcloud/devcloud-go/redisstore

go 1.26.0

require (
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/devcloud/devcloud-go v0.0.0-20261208000308-e8d219eb2908
	github.com/redis/go-redis/v9 v9.23.0
	golang.org/x/sync v0.25.0
	golang.org/x/time v0.12.0
)

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-resty/resty/v2 v2.17.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/net v0.43.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

// The core module is read from this checkout, so the tests here always run
// against the code beside them. A consumer never sees this line: Go ignores
// the replace directives of a dependency and resolves the require above from
// the module proxy. Release order and tags: README.md, "Modules and releases".
replace github.com/devcloud/devcloud-go => ../
