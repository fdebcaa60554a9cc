package redisstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
	"github.com/devcloud/devcloud-go/redisstore"
)

// Every replica paces its requests on one quota of 100 requests/s in
// Redis, so the fleet together stays within what the platform account
// accepts.
func ExampleNewRateLimiter() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	platform := mock.NewServer()
	defer platform.Close()
	platform.On("GET", "/v1/devices", mock.OK(map[string]int{"Total": 2}))

	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	quota := redisstore.NewRateLimiter(rdb, "devcloud-account", 100, 5)
	c, err := client.New(platform.URL,
		client.WithCredentials(mock.DefaultAppID, mock.DefaultSecret),
		client.WithRateLimit(quota))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var out struct{ Total int }
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
		log.Fatal(err)
	}
	fmt.Println("devices:", out.Total, "local share while Redis is away:", quota.LocalLimit(), "req/s")
	// Output: devices: 2 local share while Redis is away: 100 req/s
}
