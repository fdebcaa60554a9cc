//go:build race

package devcloudotel_test

// raceEnabled is whether the tests run under -race, which makes sync.Pool
// drop items at random and so allocation counts inexact.
const raceEnabled = true
