//go:build race

package redisstore_test

// raceEnabled reports whether the race detector is on: it makes every
// call many times dearer in CPU.
const raceEnabled = true
