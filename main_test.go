package devcloud_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the end-to-end tests if one leaves a goroutine behind: a
// retry loop still sleeping, a login nobody waits for, a loopback handler
// stuck in a slow reply, a transport connection never closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
