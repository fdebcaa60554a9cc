package client_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: a retry
// loop still sleeping, a shared login nobody waits for, a connection of a
// test server never closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
