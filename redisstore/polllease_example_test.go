package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/devcloud/devcloud-go/redisstore"
)

// Replicas behind one NAT address share a poll lease: one holds it and
// long-polls, the others wait in Hold until it is given up.
func ExampleNewPollLease() {
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	// In an application: client.New(url, client.WithPollLease(lease)),
	// then client.Poll as usual.
	a := redisstore.NewPollLease(rdb, "office-nat")
	b := redisstore.NewPollLease(rdb, "office-nat")

	_, release, err := a.Hold(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, _, err = b.Hold(ctx)
	cancel()
	fmt.Println("b while a holds it:", err)
	release()
	_, releaseB, err := b.Hold(context.Background())
	fmt.Println("b after a gave it up:", err)
	releaseB()
	// Output:
	// b while a holds it: context deadline exceeded
	// b after a gave it up: <nil>
}
