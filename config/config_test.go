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
	"github.com/switchboard-care/switchboard/internal/devcerts"
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

// temporal.tls comes from the environment like every key; cert and key go
// together, a CA alone (TLS that verifies the server only) is allowed, and
// a server name without TLS is a mistake.
func TestTemporalTLSKeys(t *testing.T) {
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_CERT", "/certs/client.pem")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_KEY", "/certs/client.key")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_CA", "/certs/ca.pem")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_SERVER_NAME", "temporal")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if want := (TLS{Cert: "/certs/client.pem", Key: "/certs/client.key", CA: "/certs/ca.pem", ServerName: "temporal"}); cfg.Temporal.TLS != want {
		t.Fatalf("temporal.tls %+v, want %+v", cfg.Temporal.TLS, want)
	}
	if _, err := Load(writeConfig(t, "temporal:\n  tls: {ca: /certs/ca.pem}\n")); err != nil {
		t.Errorf("a CA alone: %v", err)
	}

	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_CERT", "")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_KEY", "")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_CA", "")
	t.Setenv("SWITCHBOARD_TEMPORAL_TLS_SERVER_NAME", "")
	for yaml, want := range map[string]string{
		"temporal:\n  tls: {cert: /certs/client.pem}\n": "temporal.tls.cert and temporal.tls.key come together",
		"temporal:\n  tls: {key: /certs/client.key}\n":  "temporal.tls.cert and temporal.tls.key come together",
		"temporal:\n  tls: {server_name: temporal}\n":   "temporal.tls.server_name is set but TLS is not",
	} {
		if _, err := Load(writeConfig(t, yaml)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", yaml, err, want)
		}
	}
}

// tlsFiles makes a CA and, signed by it, a server certificate for
// localhost and a client certificate, in a folder of their own.
func tlsFiles(t *testing.T, caName string) (ca, server, client TLS) {
	t.Helper()
	dir := t.TempDir()
	authority, err := devcerts.NewCA(caName)
	if err != nil {
		t.Fatal(err)
	}
	ca.CA = filepath.Join(dir, "ca.pem")
	if err := authority.WriteCert(ca.CA); err != nil {
		t.Fatal(err)
	}
	if server.Cert, server.Key, err = authority.Issue(dir, "server", "localhost"); err != nil {
		t.Fatal(err)
	}
	if client.Cert, client.Key, err = authority.Issue(dir, "client"); err != nil {
		t.Fatal(err)
	}
	return ca, server, client
}

// The configuration temporal.tls builds presents the client's certificate,
// verifies the server by the CA under the server name, and refuses files
// that are missing or are not what their key says, naming the key.
func TestTemporalTLSClientConfig(t *testing.T) {
	if conf, err := (TLS{}).ClientConfig(); conf != nil || err != nil {
		t.Fatalf("no TLS configured: %v, %v; want plaintext", conf, err)
	}
	ca, server, client := tlsFiles(t, "deployment CA")
	files := TLS{Cert: client.Cert, Key: client.Key, CA: ca.CA, ServerName: "localhost"}
	conf, err := files.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := devcerts.Handshake(server.Cert, server.Key, ca.CA, conf); err != nil {
		t.Errorf("the deployment's own certificates: %v", err)
	}

	otherCA, _, otherClient := tlsFiles(t, "another CA")
	refused := map[string]TLS{
		"no client certificate":                 {CA: ca.CA, ServerName: "localhost"},
		"a client certificate of another CA":    {Cert: otherClient.Cert, Key: otherClient.Key, CA: ca.CA, ServerName: "localhost"},
		"a server name the server does not own": {Cert: client.Cert, Key: client.Key, CA: ca.CA, ServerName: "temporal.example"},
		"a CA that did not sign the server":     {Cert: client.Cert, Key: client.Key, CA: otherCA.CA, ServerName: "localhost"},
	}
	for name, files := range refused {
		conf, err := files.ClientConfig()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := devcerts.Handshake(server.Cert, server.Key, ca.CA, conf); err == nil {
			t.Errorf("%s: the handshake succeeded", name)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for name, tc := range map[string]struct {
		files TLS
		want  string
	}{
		"missing certificate": {TLS{Cert: missing, Key: client.Key}, "temporal.tls.cert " + missing},
		"key of another cert": {TLS{Cert: client.Cert, Key: otherClient.Key}, "temporal.tls.key " + otherClient.Key},
		"missing CA":          {TLS{CA: missing}, "temporal.tls.ca: open " + missing},
		"CA not a PEM":        {TLS{CA: client.Key}, "temporal.tls.ca " + client.Key + ": holds no PEM certificate"},
	} {
		if _, err := tc.files.ClientConfig(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

// A canned reply needs a title and a text, and may name only the
// placeholders the console fills in: a typo would reach a customer as is.
func TestCannedRepliesAreChecked(t *testing.T) {
	for _, tc := range []struct {
		reply CannedReply
		want  string
	}{
		{CannedReply{Title: "Hi", Text: "Hi {first_name}, quoting {case_id}. {agent}"}, ""},
		{CannedReply{Title: "Hi", Text: "Hi {firstname}"}, "unknown placeholder {firstname}"},
		{CannedReply{Title: " ", Text: "Hi"}, "a title and a text are required"},
		{CannedReply{Title: "Hi"}, "a title and a text are required"},
	} {
		cfg, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Console.CannedReplies = []CannedReply{tc.reply}
		err = cfg.Console.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.reply, err, tc.want)
		}
	}
}
