package redisstore

import "errors"

// Error is a failed operation of a Store: Redis could not be reached or
// refused a command, a stored value could not be read, an argument was
// unusable, or another owner holds the login lease (client.ErrLeaseLost).
// Op names the operation ("load", "replace", "commit login", "acquire
// login", "release login", "new"); Err is the cause, often a go-redis
// error, so errors.Is(err, redis.Nil) and net errors match. It never
// carries a token.
type Error struct {
	// Op is the Store operation that failed.
	Op string
	// Err is the cause.
	Err error
}

// Error names the operation and the cause.
func (e *Error) Error() string { return "redisstore: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors of arguments and stored values, found with errors.Is.
var (
	// ErrNoClient is the cause when New was given a nil Redis client.
	ErrNoClient = errors.New("nil Redis client")
	// ErrNoName is the cause when New was given an empty account name.
	ErrNoName = errors.New("empty account name")
	// ErrNoOwner is the cause when a lease call names no owner.
	ErrNoOwner = errors.New("empty lease owner")
	// ErrMalformed is the cause when a stored value is not one this
	// package wrote.
	ErrMalformed = errors.New("malformed stored value")
)
