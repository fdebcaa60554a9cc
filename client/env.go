package client

import (
	"os"
	"slices"
	"strings"
	"time"
)

// The environment variables LoadEnv reads. A variable set to the empty
// string counts as unset.
const (
	// EnvBaseURL is the platform's base URL, as given to New. Required.
	EnvBaseURL = "DEVCLOUD_BASE_URL"
	// EnvAppID is the application id of WithCredentials. Required.
	EnvAppID = "DEVCLOUD_APP_ID"
	// EnvSecret is the application secret of WithCredentials. Required.
	EnvSecret = "DEVCLOUD_SECRET"
	// EnvAttemptTimeout bounds each attempt, as WithTimeout does: a Go
	// duration such as 10s or 1m30s. Optional; unset means no per-attempt
	// bound (the call's context bounds the whole call).
	EnvAttemptTimeout = "DEVCLOUD_ATTEMPT_TIMEOUT"
)

// Env is a client's configuration as a deployment gives it, in environment
// variables: the same three the devcloud CLI reads. It is a plain value so
// that a program can read it, look at it or change it, then build its
// client. Printing an Env never shows the secret.
type Env struct {
	BaseURL        string        // EnvBaseURL
	AppID          string        // EnvAppID
	Secret         string        `json:"-"` // EnvSecret; never printed
	AttemptTimeout time.Duration // EnvAttemptTimeout; 0 when unset
}

// LoadEnv reads the client's configuration from the process environment.
// It reports every required variable that is unset and every value it
// cannot use in one *EnvError.
func LoadEnv() (Env, error) { return LoadEnvFrom(os.LookupEnv) }

// LoadEnvFrom is LoadEnv with lookup in place of os.LookupEnv, for a
// program that layers its own settings (command-line flags, a file) over
// the environment, and for tests.
func LoadEnvFrom(lookup func(name string) (string, bool)) (Env, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	env := Env{BaseURL: get(EnvBaseURL), AppID: get(EnvAppID), Secret: get(EnvSecret)}
	e := &EnvError{}
	for _, v := range []struct{ name, value string }{
		{EnvBaseURL, env.BaseURL}, {EnvAppID, env.AppID}, {EnvSecret, env.Secret},
	} {
		if v.value == "" {
			e.Missing = append(e.Missing, v.name)
		}
	}
	if s := get(EnvAttemptTimeout); s != "" {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			e.Invalid = append(e.Invalid, EnvInvalid{EnvAttemptTimeout, "want a Go duration with its unit, such as 10s or 1m30s"})
		case d <= 0:
			e.Invalid = append(e.Invalid, EnvInvalid{EnvAttemptTimeout, "must be positive"})
		default:
			env.AttemptTimeout = d
		}
	}
	if len(e.Missing) > 0 || len(e.Invalid) > 0 {
		return env, e
	}
	return env, nil
}

// Options are the Options env stands for: the credentials, and the
// attempt timeout when it is set. The base URL is New's argument.
func (env Env) Options() []Option {
	opts := []Option{WithCredentials(env.AppID, env.Secret)}
	if env.AttemptTimeout > 0 {
		opts = append(opts, WithTimeout(env.AttemptTimeout))
	}
	return opts
}

// String shows env with its secret masked.
func (env Env) String() string {
	secret := ""
	if env.Secret != "" {
		secret = "<set>"
	}
	s := EnvBaseURL + "=" + env.BaseURL + " " + EnvAppID + "=" + env.AppID + " " + EnvSecret + "=" + secret
	if env.AttemptTimeout > 0 {
		s += " " + EnvAttemptTimeout + "=" + env.AttemptTimeout.String()
	}
	return s
}

// GoString is String, so that %#v does not show the secret either.
func (env Env) GoString() string { return "client.Env{" + env.String() + "}" }

// NewFromEnv is New configured from the environment (LoadEnv): the base
// URL, the credentials and the optional attempt timeout, then opts, which
// may add to or override them. It is the library's equivalent of what the
// devcloud CLI reads, in the way aws-sdk-go-v2's config.LoadDefaultConfig
// is the AWS CLI's.
func NewFromEnv(opts ...Option) (*Client, error) {
	env, err := LoadEnv()
	if err != nil {
		return nil, err
	}
	return New(env.BaseURL, append(env.Options(), opts...)...)
}

// EnvError reports environment variables LoadEnv needs that are unset, and
// values it cannot use. It names the variables, never their values.
type EnvError struct {
	Missing []string     // required variables that are unset or empty, in the order of the Env fields
	Invalid []EnvInvalid // variables whose values cannot be used
}

// EnvInvalid is one variable whose value cannot be used, and why.
type EnvInvalid struct {
	Name   string
	Reason string
}

// Error returns "devcloud: environment: DEVCLOUD_APP_ID, DEVCLOUD_SECRET
// not set; DEVCLOUD_ATTEMPT_TIMEOUT: must be positive".
func (e *EnvError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, strings.Join(e.Missing, ", ")+" not set")
	}
	for _, inv := range e.Invalid {
		parts = append(parts, inv.Name+": "+inv.Reason)
	}
	return "devcloud: environment: " + strings.Join(parts, "; ")
}

// IsMissing reports whether the variable name is among the missing ones.
func (e *EnvError) IsMissing(name string) bool { return slices.Contains(e.Missing, name) }
