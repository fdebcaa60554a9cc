//go:build race

package client

// raceDetector is whether the tests of this package run under -race.
const raceDetector = true
