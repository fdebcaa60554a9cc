package mock

// TB is what the mock needs of a test: *testing.T, *testing.B and
// *testing.F satisfy it, as does any testing.TB. The package takes this
// instead of testing.TB so that it needs nothing of package testing: a
// program that runs a Server (the devcloud CLI) carries no test code.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}
