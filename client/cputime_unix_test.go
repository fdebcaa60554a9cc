//go:build unix

package client_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used, user and system:
// what a saturated machine's throughput is made of, and what a VM's
// neighbours, who take wall-clock time, do not change.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
