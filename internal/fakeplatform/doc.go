// Package fakeplatform fakes the device cloud platform: the loopback
// [Server], the in-process [Mock] and the [Reply] vocabulary they share.
//
// Package mock is its public face, and adds the httpmock transport the Mock
// runs on. The devcloud CLI uses this package directly, so that it links
// neither httpmock nor the testing package that httpmock imports.
package fakeplatform
