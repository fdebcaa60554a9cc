package mock

// TB is what the mock needs of a test: *testing.T, *testing.B and
// *testing.F satisfy it, as does any testing.TB. The package takes this
// instead of testing.TB so that programs using the Server (the devcloud
// CLI) do not link the testing package.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}
