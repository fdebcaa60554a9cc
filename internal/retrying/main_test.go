package retrying_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: the
// budget and clock tests start goroutines, the transport tests listeners.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
