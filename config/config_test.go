package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/policy"
)

func TestDefaultsDescribeTheDemoBrand(t *testing.T) {
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Policy.DepartmentIDs(); strings.Join(got, ",") != "coe,legal,marketing,pr,support" {
		t.Fatalf("departments %v", got)
	}
	if len(cfg.Policy.Properties) != 4 {
		t.Fatalf("properties %v", cfg.Policy.Properties)
	}
	if got := cfg.Policy.TargetsFor("support", policy.P2).FirstResponse; got != 30*time.Minute {
		t.Fatalf("support P2 first response %s", got)
	}
	if _, err := cfg.Directory().Lookup("sam"); err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFileAndEnvironmentOverrideDefaults(t *testing.T) {
	f := writeConfig(t, "temporal:\n  namespace: care\npolicy:\n  sla:\n    warning_share: 0.5\n")
	t.Setenv("SWITCHBOARD_TEMPORAL_ADDRESS", "temporal.internal:7233")
	cfg, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Temporal.Namespace != "care" || cfg.Policy.SLA.WarningShare != 0.5 {
		t.Fatalf("file not applied: %+v %+v", cfg.Temporal, cfg.Policy.SLA)
	}
	if cfg.Temporal.Address != "temporal.internal:7233" {
		t.Fatalf("environment not applied: %s", cfg.Temporal.Address)
	}
	if cfg.Temporal.TaskQueue != "switchboard" {
		t.Fatalf("defaults lost: %+v", cfg.Temporal)
	}
}

func TestConfigFileFromEnvironment(t *testing.T) {
	t.Setenv(EnvConfigFile, writeConfig(t, "data_dir: /var/lib/switchboard\n"))
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/var/lib/switchboard" {
		t.Fatalf("data_dir %q", cfg.DataDir)
	}
}

func TestValidationNamesTheKey(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown department in a chain": {
			"policy:\n  departments:\n    support:\n      escalation:\n        - {to: cooe, within: 1h}\n",
			`policy.departments.support.escalation[0].to: unknown department "cooe"`,
		},
		"bad time zone": {
			"policy:\n  departments:\n    pr:\n      hours: {timezone: Europe/Londn}\n",
			`policy.departments.pr.hours: timezone "Europe/Londn"`,
		},
		"negative target": {
			"policy:\n  departments:\n    legal:\n      targets:\n        P2: {first_response: -1h}\n",
			"policy.departments.legal.targets.P2.first_response: -1h0m0s must be positive",
		},
		"property without owner": {
			"policy:\n  properties:\n    - {key: \"x:@acme_deals\"}\n",
			`policy.properties[0].owner: property "x:@acme_deals" has no owner department`,
		},
		"agent in unknown department": {
			"agents:\n  - {id: zed, departments: [sales]}\n",
			`agents[0].departments: unknown department "sales"`,
		},
		"unreadable duration": {
			"policy:\n  sla:\n    reopen_window: a week\n",
			"reopen_window",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMissingFileIsAnError(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("error %v", err)
	}
}

// Workers trust the keys security.verify_keys lists, from the environment
// as in a deployment (comma-separated); a key that does not parse is
// refused at load, naming it.
func TestVerifyKeysFromTheEnvironment(t *testing.T) {
	var pubs []string
	for range 2 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, assertion.EncodePublicKey(pub))
	}
	t.Setenv("SWITCHBOARD_SECURITY_VERIFY_KEYS", strings.Join(pubs, ","))
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := cfg.ActorKeys()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	t.Setenv("SWITCHBOARD_SECURITY_VERIFY_KEYS", "not-a-key")
	if _, err := Load(""); err == nil || !strings.Contains(err.Error(), "security.verify_keys[0]") {
		t.Errorf("a bad key: %v", err)
	}
}
