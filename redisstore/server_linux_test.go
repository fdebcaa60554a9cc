package redisstore_test

import (
	"os/exec"
	"syscall"
)

// dieWithTests has Linux kill the tests' redis-server when the test binary
// dies before it could stop it (a -timeout panic, a kill).
func dieWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
