package mock_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: a Server
// handler stuck in a slow reply, a Mock body that never ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
