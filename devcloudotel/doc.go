// Package devcloudotel traces and measures a devcloud client with
// OpenTelemetry.
//
// Instrument and WithTelemetry are client.Options. Instrument takes the
// providers and propagator as otelhttp does (WithTracerProvider,
// WithMeterProvider, WithPropagators), each defaulting to the global one;
// WithTelemetry takes the two providers and always sends the W3C trace
// context. With either, each call of Client.Do is an INTERNAL span
// ("devcloud GET") whose children are one CLIENT span per HTTP request
// ("GET"), named and attributed by the OpenTelemetry HTTP client
// conventions, with http.request.resend_count on retries and the span's
// trace context sent in the request's headers. Backoff waits are events on
// the call's span. Each login is an INTERNAL span named "devcloud.login", a
// child of the call that started it; every call that waited for it links
// to it.
//
// A span that does not record (the no-op provider's, or one a sampler
// dropped) costs a call almost nothing: attributes are built only for a
// span that records and a metric only when its instrument is enabled.
//
// Metrics:
//
//	http.client.request.duration         s        histogram, per request of a call
//	devcloud.client.call.duration        s        histogram, per call, retries and waits included
//	devcloud.client.call.attempts        {attempt} histogram, requests per call
//	devcloud.client.logins               {login}  counter, logins (error.type on failure)
//	devcloud.client.login.duration       s        histogram, per login, its requests included
//	devcloud.client.retry_budget.tokens  {token}  gauge, tokens left in the retry budget
//	devcloud.client.breaker.state        1        gauge, 0 closed, 1 half-open, 2 open (WithCircuitBreaker)
//	devcloud.client.throttle.rate        {request}/s gauge, the adaptive throttle's send rate once on (WithAdaptiveThrottle)
//
// No name, attribute or event carries a token, the CSRF token, the secret, a
// signature, a body or a query value: url.full has each query value replaced
// by REDACTED, and errors are described by error.type (the platform code or
// HTTP status), never by their message.
//
// This is its own module, so an application that does not use OpenTelemetry
// does not inherit its dependencies.
package devcloudotel
