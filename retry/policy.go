package retry

import (
	"maps"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
)

// Rule is what the SDK does about one platform code.
type Rule struct {
	// Action is fail, retry, retry-idempotent, retry-throttle, relogin,
	// relogin-clock-skew or login-cooldown. ActionNone (the zero value)
	// keeps the code's default action, so a Rule can change only the
	// attempts or the backoff.
	Action apierrors.Action
	// MaxAttempts bounds the attempts of a call that keeps getting this code,
	// the first one included. 0 takes the policy's MaxAttempts.
	MaxAttempts int
	// Backoff overrides the schedule of this code's retries. nil takes the
	// policy's Backoff, or ThrottleBackoff for retry-throttle.
	Backoff *Backoff
}

// Policy is the table of rules a client follows, with the schedules and
// limits they share. Build one with DefaultPolicy and adjust it; a client
// takes a copy when it is created, so a Policy can be reused.
type Policy struct {
	// MaxAttempts bounds the attempts of one call (3 by default), the first
	// one included. A relogin's replay does not count against it.
	MaxAttempts int
	// Backoff is the schedule of ordinary retries.
	Backoff Backoff
	// ThrottleBackoff is the slower schedule of retry-throttle codes.
	ThrottleBackoff Backoff
	// LoginCooldown spaces logins after a failed one.
	LoginCooldown Backoff
	// MaxRetryAfter caps the server's Retry-After (30 s by default). A longer
	// hint is not waited for: the call fails with the hint in
	// APIError.RetryAfter.
	MaxRetryAfter time.Duration
	// Budget sizes the client's retry token bucket.
	Budget BudgetConfig

	rules map[apierrors.Code]Rule
}

// DefaultPolicy returns the SDK's table: each catalog code's default action
// (see errors.Info.Action), 3 attempts, 100 ms × 2 full-jitter backoff capped
// at 5 s, a 1 s throttle schedule capped at 30 s, Retry-After capped at 30 s,
// and the AWS-style retry budget.
func DefaultPolicy() *Policy {
	return &Policy{
		MaxAttempts:     3,
		Backoff:         DefaultBackoff(),
		ThrottleBackoff: ThrottleBackoff(),
		LoginCooldown:   LoginCooldownBackoff(),
		MaxRetryAfter:   30 * time.Second,
		Budget:          DefaultBudget(),
	}
}

// Set overrides the rule of code and returns p, so overrides chain.
func (p *Policy) Set(code apierrors.Code, r Rule) *Policy {
	if p.rules == nil {
		p.rules = make(map[apierrors.Code]Rule)
	}
	if r.Backoff != nil {
		b := *r.Backoff // the policy keeps its own copy
		r.Backoff = &b
	}
	p.rules[code] = r
	return p
}

// SetAction overrides only the action of code, keeping the other defaults.
func (p *Policy) SetAction(code apierrors.Code, a apierrors.Action) *Policy {
	return p.Set(code, Rule{Action: a, MaxAttempts: p.rules[code].MaxAttempts, Backoff: p.rules[code].Backoff})
}

// Rule returns the rule p applies to code, with MaxAttempts and Backoff
// filled in: the override if one was set, else the code's default action
// (the catalog's, or for an unknown code the one its range gives).
func (p *Policy) Rule(code apierrors.Code) Rule {
	r := p.rules[code]
	if r.Action == apierrors.ActionNone {
		r.Action = code.Action()
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = max(p.MaxAttempts, 1)
	}
	var b Backoff
	switch {
	case r.Backoff != nil:
		b = *r.Backoff // a copy: changing the result does not change p
	case r.Action == apierrors.ActionRetryThrottle:
		b = p.ThrottleBackoff
	case r.Action == apierrors.ActionLoginCooldown:
		b = p.LoginCooldown
	default:
		b = p.Backoff
	}
	r.Backoff = &b
	return r
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	c := *p
	c.rules = maps.Clone(p.rules)
	for code, r := range c.rules {
		if r.Backoff != nil {
			b := *r.Backoff
			r.Backoff = &b
			c.rules[code] = r
		}
	}
	return &c
}
