// Package redisstore shares one platform session among every replica of an
// application through Redis, so the whole fleet logs in once per expiry or
// revocation instead of once per replica.
//
// A *Store is a client.SessionStore that also implements client.LoginLease:
// give it to client.WithSessionStore and the client coordinates its logins
// through it. Every key of one account lives in one hash slot ("{name}"), so
// the Lua scripts that decide who logs in work on Redis Cluster too:
//
//   - lease-or-newer: "a session newer than generation N, or the right to log
//     in for a TTL, or who holds it and for how long", in one round trip;
//   - compare-and-set: a new session is stored with the next generation when
//     the stored generation is not newer than the writer's, the lease is
//     cleared and the generation is published on a channel, in one script;
//     the client's commit of its login is also fenced by the lease (nothing
//     is written while another owner holds it).
//
// The lease is short (the client asks for 2 s) and renewed by its holder
// while the login runs, so a replica that dies mid-login is taken over
// within seconds.
//
// Waiting replicas wake on that channel, and poll every 100 ms at most in
// case a message is lost. A local cache of at most one second spares Redis a
// round trip per call; it is dropped when a new generation is published. When
// Redis cannot be reached, Load keeps answering the last session it saw while
// that session has not expired, so an outage does not stop calls.
//
// The session token is stored in Redis as it is: give the store a Redis that
// only the application can read (ACLs, TLS).
package redisstore
