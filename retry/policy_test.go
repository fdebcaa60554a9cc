package retry_test

import (
	"testing"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

func TestDefaultPolicySettings(t *testing.T) {
	p := retry.DefaultPolicy()
	if p.MaxAttempts != 3 {
		t.Errorf("MaxAttempts = %d, want 3", p.MaxAttempts)
	}
	if p.Backoff != retry.DefaultBackoff() {
		t.Errorf("Backoff = %+v, want DefaultBackoff", p.Backoff)
	}
	if p.ThrottleBackoff != retry.ThrottleBackoff() {
		t.Errorf("ThrottleBackoff = %+v, want ThrottleBackoff()", p.ThrottleBackoff)
	}
	if p.LoginCooldown != retry.LoginCooldownBackoff() {
		t.Errorf("LoginCooldown = %+v, want LoginCooldownBackoff()", p.LoginCooldown)
	}
	if p.MaxRetryAfter != 30*time.Second {
		t.Errorf("MaxRetryAfter = %v, want 30s", p.MaxRetryAfter)
	}
	if p.Budget != retry.DefaultBudget() {
		t.Errorf("Budget = %+v, want DefaultBudget", p.Budget)
	}
}

func TestDefaultPolicyRuleFollowsTheCatalogForEveryCode(t *testing.T) {
	all := apierrors.All()
	if len(all) != 72 {
		t.Fatalf("catalog has %d codes, want 72", len(all))
	}
	p := retry.DefaultPolicy()
	for _, info := range all {
		r := p.Rule(info.Code)
		wantBackoff := retry.DefaultBackoff()
		switch info.Action {
		case apierrors.ActionRetryThrottle:
			wantBackoff = retry.ThrottleBackoff()
		case apierrors.ActionLoginCooldown:
			wantBackoff = retry.LoginCooldownBackoff()
		}
		if r.Action != info.Action || r.MaxAttempts != 3 || r.Backoff == nil || *r.Backoff != wantBackoff {
			t.Errorf("Rule(%d %s) = {%v %d %+v}, want {%v 3 %+v}",
				info.Code, info.Name, r.Action, r.MaxAttempts, r.Backoff, info.Action, wantBackoff)
		}
	}
}

func TestDefaultPolicyMatchesSpecTable(t *testing.T) {
	tests := []struct {
		codes []apierrors.Code
		want  apierrors.Action
	}{
		{[]apierrors.Code{502, 503, 504, 20005, 20022, 20003, 20013}, apierrors.ActionRetry},
		{[]apierrors.Code{30011}, apierrors.ActionRetryThrottle},
		{[]apierrors.Code{500}, apierrors.ActionRetryIdempotent},
		{[]apierrors.Code{10001, 10002, 10007}, apierrors.ActionRelogin},
		{[]apierrors.Code{10006}, apierrors.ActionReloginClockSkew},
		{[]apierrors.Code{10004}, apierrors.ActionLoginCooldown},
		{[]apierrors.Code{10000, 10003, 10005, 20001}, apierrors.ActionFail},
		// Codes outside the catalog are placed by their range.
		{[]apierrors.Code{429}, apierrors.ActionRetryThrottle},
		{[]apierrors.Code{599}, apierrors.ActionRetryIdempotent},
		{[]apierrors.Code{418, 99999, 0, -1}, apierrors.ActionFail},
	}
	p := retry.DefaultPolicy()
	for _, tt := range tests {
		for _, code := range tt.codes {
			if got := p.Rule(code).Action; got != tt.want {
				t.Errorf("Rule(%d).Action = %v, want %v", code, got, tt.want)
			}
		}
	}
}

func TestDefaultPolicyRuleOfUnknownCodesIsFilledIn(t *testing.T) {
	p := retry.DefaultPolicy()
	tests := []struct {
		code        apierrors.Code
		wantAction  apierrors.Action
		wantBackoff retry.Backoff
	}{
		{429, apierrors.ActionRetryThrottle, retry.ThrottleBackoff()},
		{599, apierrors.ActionRetryIdempotent, retry.DefaultBackoff()},
		{418, apierrors.ActionFail, retry.DefaultBackoff()},
		{99999, apierrors.ActionFail, retry.DefaultBackoff()},
	}
	for _, tt := range tests {
		r := p.Rule(tt.code)
		if r.Action != tt.wantAction || r.MaxAttempts != 3 || *r.Backoff != tt.wantBackoff {
			t.Errorf("Rule(%d) = {%v %d %+v}, want {%v 3 %+v}", tt.code, r.Action, r.MaxAttempts, *r.Backoff, tt.wantAction, tt.wantBackoff)
		}
	}
}

func TestPolicyRuleFollowsPolicyLevelSettings(t *testing.T) {
	p := retry.DefaultPolicy()
	p.MaxAttempts = 7
	p.Backoff = retry.Backoff{Initial: time.Second, Multiplier: 3, Max: 9 * time.Second}
	p.ThrottleBackoff = retry.Backoff{Initial: 2 * time.Second, Multiplier: 2, Max: time.Minute}
	if r := p.Rule(20005); r.MaxAttempts != 7 || *r.Backoff != p.Backoff {
		t.Errorf("Rule(20005) = {%d %+v}, want {7 %+v}", r.MaxAttempts, *r.Backoff, p.Backoff)
	}
	if r := p.Rule(30011); r.MaxAttempts != 7 || *r.Backoff != p.ThrottleBackoff {
		t.Errorf("Rule(30011) = {%d %+v}, want {7 %+v}", r.MaxAttempts, *r.Backoff, p.ThrottleBackoff)
	}
	for _, n := range []int{0, -2} {
		p.MaxAttempts = n
		if got := p.Rule(20005).MaxAttempts; got != 1 {
			t.Errorf("policy MaxAttempts %d: Rule MaxAttempts = %d, want 1", n, got)
		}
	}
}

func TestPolicyRuleReturnsAFreshDefaultBackoff(t *testing.T) {
	p := retry.DefaultPolicy()
	p.Rule(20005).Backoff.Max = time.Hour
	p.Rule(30011).Backoff.Max = time.Hour
	if p.Backoff != retry.DefaultBackoff() || p.ThrottleBackoff != retry.ThrottleBackoff() {
		t.Fatal("mutating a default rule's Backoff changed the policy")
	}
}

func TestPolicySetOverridesOneCode(t *testing.T) {
	custom := retry.Backoff{Initial: 10 * time.Millisecond, Multiplier: 1, Max: 10 * time.Millisecond}
	tests := []struct {
		name        string
		code        apierrors.Code
		rule        retry.Rule
		wantAction  apierrors.Action
		wantMax     int
		wantBackoff retry.Backoff
	}{
		{"fail code made retryable 5 times", 20001, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 5},
			apierrors.ActionRetry, 5, retry.DefaultBackoff()},
		{"retry code with its own backoff", 20005, retry.Rule{Action: apierrors.ActionRetry, Backoff: &custom},
			apierrors.ActionRetry, 3, custom},
		{"override to retry-throttle takes the throttle schedule", 503, retry.Rule{Action: apierrors.ActionRetryThrottle},
			apierrors.ActionRetryThrottle, 3, retry.ThrottleBackoff()},
		{"retry code turned off", 30011, retry.Rule{Action: apierrors.ActionFail},
			apierrors.ActionFail, 3, retry.DefaultBackoff()},
		{"no action keeps the default action, new attempts", 30011, retry.Rule{MaxAttempts: 6},
			apierrors.ActionRetryThrottle, 6, retry.ThrottleBackoff()},
		{"no action on a fail code keeps it failing", 20001, retry.Rule{MaxAttempts: 6},
			apierrors.ActionFail, 6, retry.DefaultBackoff()},
		{"unknown code given a rule", 418, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 2},
			apierrors.ActionRetry, 2, retry.DefaultBackoff()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := retry.DefaultPolicy()
			if got := p.Set(tt.code, tt.rule); got != p {
				t.Fatal("Set did not return its policy")
			}
			r := p.Rule(tt.code)
			if r.Action != tt.wantAction || r.MaxAttempts != tt.wantMax || *r.Backoff != tt.wantBackoff {
				t.Fatalf("Rule(%d) = {%v %d %+v}, want {%v %d %+v}", tt.code, r.Action, r.MaxAttempts, *r.Backoff,
					tt.wantAction, tt.wantMax, tt.wantBackoff)
			}
			// Other codes keep their defaults.
			if got := p.Rule(20002).Action; got != apierrors.ActionFail {
				t.Fatalf("Rule(20002).Action = %v after overriding %d, want fail", got, tt.code)
			}
		})
	}
}

func TestPolicySetChains(t *testing.T) {
	p := retry.DefaultPolicy().
		Set(20001, retry.Rule{Action: apierrors.ActionRetry}).
		SetAction(20005, apierrors.ActionFail).
		SetAction(10001, apierrors.ActionFail)
	want := map[apierrors.Code]apierrors.Action{20001: apierrors.ActionRetry, 20005: apierrors.ActionFail, 10001: apierrors.ActionFail}
	for code, a := range want {
		if got := p.Rule(code).Action; got != a {
			t.Errorf("Rule(%d).Action = %v, want %v", code, got, a)
		}
	}
}

func TestPolicySetActionKeepsTheOtherOverrides(t *testing.T) {
	custom := retry.Backoff{Initial: time.Second, Multiplier: 1, Max: time.Second}
	p := retry.DefaultPolicy()
	p.Set(20001, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 5, Backoff: &custom})
	p.SetAction(20001, apierrors.ActionRetryThrottle)
	r := p.Rule(20001)
	if r.Action != apierrors.ActionRetryThrottle || r.MaxAttempts != 5 || *r.Backoff != custom {
		t.Fatalf("Rule(20001) = {%v %d %+v}, want {retry-throttle 5 %+v}", r.Action, r.MaxAttempts, *r.Backoff, custom)
	}

	// Without an earlier override, the defaults fill in around the action.
	p.SetAction(503, apierrors.ActionRetryThrottle)
	r = p.Rule(503)
	if r.Action != apierrors.ActionRetryThrottle || r.MaxAttempts != 3 || *r.Backoff != retry.ThrottleBackoff() {
		t.Fatalf("Rule(503) = {%v %d %+v}, want {retry-throttle 3 ThrottleBackoff}", r.Action, r.MaxAttempts, *r.Backoff)
	}
}

func TestPolicyCloneIsDeep(t *testing.T) {
	custom := retry.Backoff{Initial: time.Second, Multiplier: 2, Max: 4 * time.Second}
	orig := retry.DefaultPolicy().Set(20005, retry.Rule{Action: apierrors.ActionRetry, MaxAttempts: 4, Backoff: &custom})
	clone := orig.Clone()

	clone.Rule(20005).Backoff.Max = time.Hour // through the clone's stored pointer
	clone.Set(20001, retry.Rule{Action: apierrors.ActionRetry})
	clone.SetAction(20005, apierrors.ActionFail)
	clone.MaxAttempts = 9
	clone.Backoff.Initial = time.Hour
	clone.Budget.Disabled = true

	r := orig.Rule(20005)
	if r.Action != apierrors.ActionRetry || r.MaxAttempts != 4 || *r.Backoff != (retry.Backoff{Initial: time.Second, Multiplier: 2, Max: 4 * time.Second}) {
		t.Errorf("original Rule(20005) = {%v %d %+v} after mutating the clone", r.Action, r.MaxAttempts, *r.Backoff)
	}
	if got := orig.Rule(20001).Action; got != apierrors.ActionFail {
		t.Errorf("original Rule(20001).Action = %v after Set on the clone, want fail", got)
	}
	if orig.MaxAttempts != 3 || orig.Backoff != retry.DefaultBackoff() || orig.Budget.Disabled {
		t.Errorf("original settings changed with the clone's: %+v", orig)
	}
	// The clone has what was done to it.
	if r := clone.Rule(20005); r.Action != apierrors.ActionFail || r.MaxAttempts != 4 {
		t.Errorf("clone Rule(20005) = {%v %d}, want {fail 4}", r.Action, r.MaxAttempts)
	}
	if got := clone.Rule(20001).Action; got != apierrors.ActionRetry {
		t.Errorf("clone Rule(20001).Action = %v, want retry", got)
	}
}

func TestPolicyCloneWithoutOverridesDoesNotShareLaterOnes(t *testing.T) {
	orig := retry.DefaultPolicy()
	clone := orig.Clone()
	clone.Set(20001, retry.Rule{Action: apierrors.ActionRetry})
	orig.Set(20002, retry.Rule{Action: apierrors.ActionRetry})
	if got := orig.Rule(20001).Action; got != apierrors.ActionFail {
		t.Errorf("original Rule(20001).Action = %v, want fail", got)
	}
	if got := clone.Rule(20002).Action; got != apierrors.ActionFail {
		t.Errorf("clone Rule(20002).Action = %v, want fail", got)
	}
}

func TestPolicyDoesNotAliasTheCallersBackoff(t *testing.T) {
	b := retry.Backoff{Initial: time.Second, Multiplier: 2, Max: 4 * time.Second}
	p := retry.DefaultPolicy().Set(20005, retry.Rule{Action: apierrors.ActionRetry, Backoff: &b})
	b.Max = time.Hour
	p.Rule(20005).Backoff.Initial = time.Hour
	want := retry.Backoff{Initial: time.Second, Multiplier: 2, Max: 4 * time.Second}
	if got := *p.Rule(20005).Backoff; got != want {
		t.Fatalf("Rule(20005).Backoff = %+v, want %+v", got, want)
	}
}
