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

// Two replicas of an application share one platform account through Redis:
// the first call of each needs a session, and the fleet logs in once.
func Example() {
	// In production: redis.NewClient(&redis.Options{Addr: "redis:6379"})
	// and the platform's URL. Here, an in-process Redis and fake platform.
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	platform := mock.NewServer(mock.WithOneSessionPerApp())
	defer platform.Close()
	platform.On("GET", "/v1/devices", mock.OK(map[string]int{"Total": 2}))

	replica := func() (*client.Client, func()) {
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		store := redisstore.New(rdb, "devcloud-account")
		c, err := client.New(platform.URL,
			client.WithCredentials(mock.DefaultAppID, mock.DefaultSecret),
			client.WithSessionStore(store))
		if err != nil {
			log.Fatal(err)
		}
		return c, func() { c.Close(); store.Close(); rdb.Close() }
	}
	a, closeA := replica()
	defer closeA()
	b, closeB := replica()
	defer closeB()

	var out struct{ Total int }
	for _, c := range []*client.Client{a, b} {
		if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("devices:", out.Total, "logins:", platform.Logins())
	// Output: devices: 2 logins: 1
}
