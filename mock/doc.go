// Package mock fakes the device cloud platform so an application can test
// its use of the SDK offline, in its own _test.go files.
//
// It comes in two flavours that share one vocabulary, the [Reply]:
//
//   - [Server] (from [NewServer] or [StartServer]) is a real HTTP server on a
//     loopback port. It logs clients in with the platform's signed login,
//     checks the session and CSRF token on every call, runs scripted routes,
//     and performs faults for real on the socket: resets, truncated, slow and
//     oversized bodies. Use it for end-to-end tests and demos.
//   - [Mock] (from [New]) is an httpmock transport bound to one HTTP client:
//     no socket, scripted answers, call counts and assertions. Use it for
//     fast unit tests of the code that calls the SDK. It does not check
//     tokens, but sessions die as on the platform: a scripted 10001 or 10002
//     (or [Mock.InvalidateSessions]) ends the session for every request that
//     carries it, so a relogin storm costs one login with either flavour. It
//     never touches http.DefaultTransport, so tests using it can run with
//     t.Parallel. A request to a route nobody scripted fails the test at the
//     test's own line and is answered a 404 that the SDK does not retry.
//
// A route is an [http.ServeMux] pattern scripted with a list of Replies
// answered in order; the last one then repeats, or [Exhausted] makes any
// further call fail the test:
//
//	srv.On("GET", "/v1/devices",
//		mock.Code(20005).Times(2), // 发送消息超时, twice
//		mock.OK(map[string]any{"Devices": []string{"d1"}}),
//	)
//
// A [Func] computes a reply from the [Request], as httpmock's responders
// do, alone or after scripted replies; a pattern's wildcards are the
// request's path values:
//
//	m.On("GET", "/v1/devices/{id}", mock.Code(504), mock.Func(func(r *mock.Request) mock.Reply {
//		return mock.OK(map[string]string{"DeviceId": r.PathValue("id")})
//	}))
//
// OnMatch narrows a pattern with a [Matcher] on the query ([QueryIs]), a
// header ([HeaderIs]), the JSON body ([JSONBodyHas]) or any function
// ([MatchFunc]).
//
// Replies: [OK] (the {"Response": {...}} success), [Code] (the Error
// envelope with the catalog's text), [Status], [HTML] (a gateway page),
// [Raw], [LoginOK] (for the login route), and faults: [ResetBeforeResponse],
// [ResetMidBody], [TruncatedJSON], [SlowHeaders], [SlowBody], [Oversized],
// [NetworkError], [ConnectionRefused]. Modifiers such as
// [Reply.WithRetryAfter], [Reply.WithDelay] and [Reply.Flat] adjust a reply.
//
// A [File] stands for a recording, snapshot or firmware on a route of
// either flavour: it serves ranges with an ETag and a Last-Modified, can
// reset its transfers after N bytes ([File.ResetAt]) and change between
// two requests ([File.Change]). Both flavours read a streamed upload to
// its end and record its length ([Request.BodySize]).
//
// A [LongPoll] stands for a long-poll endpoint on a route of either flavour:
// it holds polls until a reply is pushed or its hold ends, and enforces the
// platform's rule of one open poll per IP with 20008.
//
// Both flavours know the app [DefaultAppID] with [DefaultSecret] and answer
// logins on [DefaultLoginPath]; a login they refuse answers the platform's
// code with a message saying what was wrong. Both record every request they
// answer ([Request]) with its reply, so a test can assert exact counts of
// attempts and logins; failed assertions are reported at the test's line.
//
// NewClient wires an SDK client to either flavour; an app that builds its
// clients with its own constructor takes [ClientConfig] instead: base URL,
// credentials, transport and clock.
package mock
