//go:build race

package client_test

// raceEnabled reports whether the race detector is on: it makes decoding
// large bodies tens of times slower.
const raceEnabled = true
