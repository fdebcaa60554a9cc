package retry_test

import (
	"fmt"
	"time"

	apierrors "github.com/devcloud/devcloud-go/errors"
	"github.com/devcloud/devcloud-go/retry"
)

func ExampleDefaultPolicy() {
	p := retry.DefaultPolicy()
	for _, code := range []apierrors.Code{
		apierrors.SendMessageTimeout,
		apierrors.LicenseExhausted,
		apierrors.InternalServerError,
		apierrors.NotLoggedIn,
		apierrors.LoginTimeInvalid,
		apierrors.LoginTooFrequent,
		apierrors.InsufficientPermission,
	} {
		r := p.Rule(code)
		fmt.Printf("%-5d %-22s %-18s attempts=%d", int(code), code.String(), r.Action, r.MaxAttempts)
		switch r.Action {
		case apierrors.ActionRetry, apierrors.ActionRetryIdempotent, apierrors.ActionRetryThrottle:
			fmt.Printf(" backoff=%v…%v", r.Backoff.Initial, r.Backoff.Max)
		}
		fmt.Println()
	}
	// Output:
	// 20005 SendMessageTimeout     retry              attempts=3 backoff=100ms…5s
	// 30011 LicenseExhausted       retry-throttle     attempts=3 backoff=1s…30s
	// 500   InternalServerError    retry-idempotent   attempts=3 backoff=100ms…5s
	// 10001 NotLoggedIn            relogin            attempts=3
	// 10006 LoginTimeInvalid       relogin-clock-skew attempts=3
	// 10004 LoginTooFrequent       login-cooldown     attempts=3
	// 20001 InsufficientPermission fail               attempts=3
}

func ExamplePolicy_Set() {
	// Retry "insufficient permission" up to 5 attempts, e.g. while a newly
	// granted role propagates, on a faster schedule than the default.
	p := retry.DefaultPolicy().Set(apierrors.InsufficientPermission, retry.Rule{
		Action:      apierrors.ActionRetry,
		MaxAttempts: 5,
		Backoff:     &retry.Backoff{Initial: 50 * time.Millisecond, Multiplier: 2, Max: time.Second, Jitter: 1},
	})
	// Give 30011 more attempts and keep its default action and schedule.
	p.Set(apierrors.LicenseExhausted, retry.Rule{MaxAttempts: 6})

	for _, code := range []apierrors.Code{apierrors.InsufficientPermission, apierrors.LicenseExhausted} {
		r := p.Rule(code)
		fmt.Printf("%d: %s, %d attempts, backoff %v…%v\n", int(code), r.Action, r.MaxAttempts, r.Backoff.Initial, r.Backoff.Max)
	}
	// Output:
	// 20001: retry, 5 attempts, backoff 50ms…1s
	// 30011: retry-throttle, 6 attempts, backoff 1s…30s
}
