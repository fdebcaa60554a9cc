//go:build !linux

package redisstore_test

import "os/exec"

// dieWithTests does nothing where the system has no parent-death signal:
// a test binary that dies before stopping its redis-server leaves it
// running.
func dieWithTests(*exec.Cmd) {}
