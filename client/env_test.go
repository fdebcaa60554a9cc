package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/devcloud/devcloud-go/client"
	"github.com/devcloud/devcloud-go/mock"
)

const envCanary = "canary-env-s3cr3t"

// environ is a lookup over a fixed set of variables.
func environ(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
}

func TestLoadEnvFromNamesWhatIsMissingOrWrong(t *testing.T) {
	full := map[string]string{
		client.EnvBaseURL: "https://api.devcloud.example", client.EnvAppID: "app", client.EnvSecret: envCanary,
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range full {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		want    client.Env
		wantErr string
	}{
		{"all three", full, client.Env{BaseURL: "https://api.devcloud.example", AppID: "app", Secret: envCanary}, ""},
		{"an attempt timeout", with(client.EnvAttemptTimeout, "1m30s"),
			client.Env{BaseURL: "https://api.devcloud.example", AppID: "app", Secret: envCanary, AttemptTimeout: 90 * time.Second}, ""},
		{"a clean environment", nil, client.Env{},
			"devcloud: environment: DEVCLOUD_BASE_URL, DEVCLOUD_APP_ID, DEVCLOUD_SECRET not set"},
		{"an empty secret is unset", with(client.EnvSecret, " "),
			client.Env{BaseURL: "https://api.devcloud.example", AppID: "app"}, "devcloud: environment: DEVCLOUD_SECRET not set"},
		{"a timeout without unit", with(client.EnvAttemptTimeout, "5"),
			client.Env{BaseURL: "https://api.devcloud.example", AppID: "app", Secret: envCanary},
			"devcloud: environment: DEVCLOUD_ATTEMPT_TIMEOUT: want a Go duration with its unit, such as 10s or 1m30s"},
		{"a negative timeout", with(client.EnvAttemptTimeout, "-1s"),
			client.Env{BaseURL: "https://api.devcloud.example", AppID: "app", Secret: envCanary},
			"devcloud: environment: DEVCLOUD_ATTEMPT_TIMEOUT: must be positive"},
		{"missing and wrong at once", map[string]string{client.EnvSecret: envCanary, client.EnvAttemptTimeout: envCanary},
			client.Env{Secret: envCanary},
			"devcloud: environment: DEVCLOUD_BASE_URL, DEVCLOUD_APP_ID not set; DEVCLOUD_ATTEMPT_TIMEOUT: want a Go duration with its unit, such as 10s or 1m30s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.LoadEnvFrom(environ(tc.vars))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("env = %#v, want %#v", got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if err != nil {
				var ee *client.EnvError
				if !errors.As(err, &ee) {
					t.Fatalf("err is a %T, want *client.EnvError", err)
				}
				if strings.Contains(err.Error(), envCanary) {
					t.Errorf("the error shows a value: %v", err)
				}
			}
		})
	}
}

func TestEnvNeverPrintsTheSecret(t *testing.T) {
	env := client.Env{BaseURL: "https://api.devcloud.example", AppID: "app", Secret: envCanary, AttemptTimeout: time.Second}
	js, _ := json.Marshal(env)
	for _, s := range []string{
		fmt.Sprint(env), fmt.Sprintf("%v", env), fmt.Sprintf("%+v", env), fmt.Sprintf("%#v", env), fmt.Sprintf("%s", env),
		fmt.Sprint(&env), string(js),
	} {
		if strings.Contains(s, envCanary) {
			t.Errorf("printed the secret: %s", s)
		}
	}
	want := "DEVCLOUD_BASE_URL=https://api.devcloud.example DEVCLOUD_APP_ID=app DEVCLOUD_SECRET=<set> DEVCLOUD_ATTEMPT_TIMEOUT=1s"
	if got := env.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestNewFromEnvLogsInWithTheEnvironmentsCredentials(t *testing.T) {
	srv := mock.StartServer(t)
	srv.On("GET", "/v1/devices", mock.OK(map[string]any{"Devices": []string{"cam-1"}}))
	t.Setenv(client.EnvBaseURL, srv.URL)
	t.Setenv(client.EnvAppID, mock.DefaultAppID)
	t.Setenv(client.EnvSecret, mock.DefaultSecret)
	t.Setenv(client.EnvAttemptTimeout, "")
	c, err := client.NewFromEnv(client.WithUserAgent("env-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out struct{ Devices []string }
	if err := c.Do(context.Background(), "GET", "/v1/devices", nil, &out); err != nil {
		t.Fatal(err)
	}
	if got := srv.Logins(); got != 1 || len(out.Devices) != 1 {
		t.Errorf("logins = %d, devices %v; want 1 login and cam-1", got, out.Devices)
	}
}

func TestNewFromEnvInACleanEnvironmentNamesTheThreeVariables(t *testing.T) {
	for _, name := range []string{client.EnvBaseURL, client.EnvAppID, client.EnvSecret, client.EnvAttemptTimeout} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	c, err := client.NewFromEnv()
	var ee *client.EnvError
	if c != nil || !errors.As(err, &ee) {
		t.Fatalf("NewFromEnv() = %v, %v; want nil and an *EnvError", c, err)
	}
	want := []string{"DEVCLOUD_BASE_URL", "DEVCLOUD_APP_ID", "DEVCLOUD_SECRET"}
	if !reflect.DeepEqual(ee.Missing, want) || !ee.IsMissing(client.EnvSecret) || len(ee.Invalid) != 0 {
		t.Errorf("Missing = %q, Invalid = %v; want %q and none", ee.Missing, ee.Invalid, want)
	}
}

// A deployment sets DEVCLOUD_BASE_URL, DEVCLOUD_APP_ID and DEVCLOUD_SECRET
// (the variables devcloud serve prints); the program makes its client from
// them and adds its own options.
func ExampleNewFromEnv() {
	c, err := client.NewFromEnv(client.WithUserAgent("my-app/1.0"))
	var envErr *client.EnvError
	if errors.As(err, &envErr) {
		log.Fatalf("set %s", strings.Join(envErr.Missing, ", ")) // names the variables, never a value
	}
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
}

// LoadEnvFrom layers a program's own settings over the environment: here a
// flag, when given, wins over DEVCLOUD_BASE_URL.
func ExampleLoadEnvFrom() {
	baseURLFlag := "https://staging.devcloud.example" // as parsed from --base-url
	env, err := client.LoadEnvFrom(func(name string) (string, bool) {
		if name == client.EnvBaseURL && baseURLFlag != "" {
			return baseURLFlag, true
		}
		return os.LookupEnv(name)
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(env.BaseURL, env.Options()...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
}
