package mock

// TB is what the mock needs of a test: *testing.T, *testing.B and
// *testing.F satisfy it, as does any testing.TB. The package takes this
// instead of testing.TB so that it needs nothing of package testing: a
// program that runs a Server (the devcloud CLI) carries no test code.
//
// A failure found while a request is answered is the mistake of the test's
// line that made the request, many calls up the stack. When t also has
// Output() io.Writer and Fail(), as *testing.T has, the failure is written
// there at that line, as Errorf would show it, and t fails; any other TB
// gets Errorf with the line in the message.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}
