// Package deploy_test checks docker-compose.yml and the Dockerfile without
// a Docker engine (the build machines have none): the compose file parses,
// every SWITCHBOARD_* variable is a real configuration key whose value the
// configuration accepts, host ports do not clash, images are pinned, every
// long-running service has a health check and a restart policy, and
// depends_on conditions can be met. If a compose CLI is installed it also
// validates the file; docs/deploy.md says what was and was not run.
package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/cli"
	"github.com/switchboard-care/switchboard/internal/devcerts"
)

type composeFile struct {
	Name     string             `yaml:"name"`
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
	// Extension fields (x-…) hold the anchors services merge in.
	Extensions map[string]any `yaml:",inline"`
}

type service struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Restart     string            `yaml:"restart"`
	User        string            `yaml:"user"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
}

// oneShot says a service is a job that runs to completion (schema, namespace).
func (s service) oneShot() bool {
	return s.Restart == "no" || strings.HasPrefix(s.Restart, "on-failure")
}

// switchboard says the service runs the switchboard image.
func (s service) switchboard() bool { return s.Build != nil }

func load(t *testing.T) (composeFile, string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key (helthcheck) is an error, not an unchecked field
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	for k := range c.Extensions {
		if !strings.HasPrefix(k, "x-") {
			t.Fatalf("docker-compose.yml: unknown top-level key %q", k)
		}
	}
	return c, root
}

// interpolation: ${NAME:-default}, ${NAME-default}, ${NAME} and $$.
var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate resolves compose variables as with an empty environment: the
// file must run with no .env at all.
func interpolate(t *testing.T, where, s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sub := interpolation.FindStringSubmatch(m)
		if !strings.Contains(m, "-") {
			t.Errorf("%s: %s has no default, so the file does not run without an .env", where, m)
		}
		return sub[2]
	})
}

// configKeys derives every configuration key from the default files the
// binary embeds, merged as config does: AutomaticEnv serves exactly these.
func configKeys(t *testing.T, root string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "config", "defaults", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("config defaults: %v %v", files, err)
	}
	slices.Sort(files)
	v := viper.New()
	v.SetConfigType("yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.MergeConfig(bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	keys := map[string]bool{}
	for _, k := range v.AllKeys() {
		keys["SWITCHBOARD_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	return keys
}

// otherVariables are SWITCHBOARD_* variables that are not keys: the config
// file's path, and the publishers' token variables the defaults name.
func otherVariables(t *testing.T) map[string]bool {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{config.EnvConfigFile: true}
	for _, p := range cfg.Publishers.Meta.Pages {
		vars[p.AccessTokenEnv] = true
	}
	for _, a := range cfg.Publishers.X.Accounts {
		vars[a.AccessTokenEnv] = true
	}
	return vars
}

func TestComposeEnvironmentIsRealConfiguration(t *testing.T) {
	c, root := load(t)
	keys, others := configKeys(t, root), otherVariables(t)
	if !keys["SWITCHBOARD_TEMPORAL_ADDRESS"] || !keys["SWITCHBOARD_INTAKE_GENERIC_BEARER_TOKEN"] {
		t.Fatalf("key derivation lost known keys: %d keys", len(keys))
	}
	checked := 0
	for name, s := range c.Services {
		if !s.switchboard() {
			for k := range s.Environment {
				if strings.HasPrefix(k, "SWITCHBOARD_") {
					t.Errorf("%s: %s set on a service that is not switchboard", name, k)
				}
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range s.Environment {
				if !strings.HasPrefix(k, "SWITCHBOARD_") {
					t.Errorf("%s: not a switchboard variable", k)
					continue
				}
				if !keys[k] && !others[k] {
					t.Errorf("%s is no configuration key (viper ignores it silently)", k)
				}
				env[k] = interpolate(t, name+" "+k, v)
				checked++
			}
			// The values must pass the configuration's own validation, and
			// reach it.
			for k, v := range env {
				t.Setenv(k, v)
			}
			cfg, err := config.Load("")
			if err != nil {
				t.Fatalf("configuration with %s's environment: %v", name, err)
			}
			if cfg.Temporal.Address != env["SWITCHBOARD_TEMPORAL_ADDRESS"] || cfg.DataDir != env["SWITCHBOARD_DATA_DIR"] {
				t.Errorf("environment not applied: temporal.address %q, data_dir %q", cfg.Temporal.Address, cfg.DataDir)
			}
		})
	}
	t.Logf("%d SWITCHBOARD_* settings checked against %d configuration keys", checked, len(keys))
}

func TestComposeTopology(t *testing.T) {
	c, root := load(t)
	hostPorts := map[string]string{} // port → service
	root0 := cli.NewRoot()
	for name, s := range c.Services {
		// Images: a version tag or a digest, never latest or none.
		ref := s.Image
		if ref == "" {
			t.Errorf("%s: no image (a built service names its tag too)", name)
		} else if !pinned(ref) {
			t.Errorf("%s: image %q is not pinned to a version", name, ref)
		}
		if s.Restart == "" {
			t.Errorf("%s: no restart policy", name)
		}
		if !s.oneShot() && (s.Healthcheck == nil || len(s.Healthcheck.Test) == 0) {
			t.Errorf("%s: a long-running service without a health check", name)
		}
		for dep, d := range s.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok:
				t.Errorf("%s depends on %s, which is no service", name, dep)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			case d.Condition == "service_completed_successfully" && !target.oneShot():
				t.Errorf("%s waits for %s to complete, which is a long-running service", name, dep)
			case d.Condition != "service_healthy" && d.Condition != "service_completed_successfully" && d.Condition != "service_started":
				t.Errorf("%s: depends_on %s condition %q", name, dep, d.Condition)
			}
		}
		// Host ports: one service each (a 0.0.0.0 binding takes the port
		// on every address, so the address is ignored).
		for _, p := range s.Ports {
			host, _ := publish(p)
			if host == "" {
				continue
			}
			if other, taken := hostPorts[host]; taken {
				t.Errorf("host port %s published by %s and %s", host, other, name)
			}
			hostPorts[host] = name
		}
		// Bind mounts: the host files are in the repository, but for the
		// certificates, which scripts/dev-certs.sh makes (TestComposeMutualTLS).
		for _, v := range s.Volumes {
			if src, _, _ := strings.Cut(v, ":"); strings.HasPrefix(src, certsDir) {
				continue
			} else if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			} else if _, declared := c.Volumes[src]; !declared {
				t.Errorf("%s mounts volume %s, which is not declared", name, src)
			}
		}
		if !s.switchboard() {
			continue
		}
		// The command is a real switchboard command.
		if cmd, rest, err := root0.Find(s.Command); err != nil || cmd == root0 || len(rest) > 0 {
			t.Errorf("%s: command %v is not a switchboard command (%v)", name, s.Command, err)
		}
		// Whatever it listens on is what is published and probed.
		for k, v := range s.Environment {
			if !strings.HasSuffix(k, "_LISTEN") {
				continue
			}
			_, port, ok := strings.Cut(v, ":")
			if !ok || !strings.HasPrefix(v, "0.0.0.0:") {
				t.Errorf("%s: %s=%s must listen on 0.0.0.0 inside the container", name, k, v)
				continue
			}
			published := false
			for _, p := range s.Ports {
				_, container := publish(p)
				published = published || container == port
			}
			if !published {
				t.Errorf("%s: %s port %s is not published", name, k, port)
			}
			if s.Healthcheck == nil || !strings.Contains(strings.Join(s.Healthcheck.Test, " "), ":"+port+"/") {
				t.Errorf("%s: the health check does not probe %s's port %s", name, k, port)
			}
		}
	}
	t.Logf("%d services, host ports %v", len(c.Services), hostPorts)
}

// certsDir is where scripts/dev-certs.sh puts the stack's certificates.
const certsDir = "./deploy/certs/"

// tlsFlag is a path the temporal CLI takes for TLS (--tls-cert-path …).
var tlsFlag = regexp.MustCompile(`--tls-[a-z-]+-path (\S+)`)

// onHost is the file made under made that a service sees at path, through
// its mounts of certsDir.
func onHost(s service, made, path string) (string, bool) {
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		sub, mounted := strings.CutPrefix(parts[0], certsDir)
		if rel, inside := strings.CutPrefix(path, parts[1]+"/"); mounted && inside {
			return filepath.Join(made, sub, rel), true
		}
	}
	return "", false
}

// The frontend asks every client for a certificate, and every client of it
// has one: each service that reaches Temporal names a client certificate;
// every certificate file a service names is one that scripts/dev-certs.sh
// makes, in the folder mounted where the service looks; and the worker's
// certificate passes a mutual-TLS handshake with the frontend's, as the
// server is configured to check it, under the worker's server name.
func TestComposeMutualTLS(t *testing.T) {
	c, root := load(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl to run scripts/dev-certs.sh")
	}
	made := filepath.Join(t.TempDir(), "certs")
	if out, err := exec.Command("sh", filepath.Join(root, "scripts", "dev-certs.sh"), made).CombinedOutput(); err != nil {
		t.Fatalf("scripts/dev-certs.sh: %v\n%s", err, out)
	}
	temporal := c.Services["temporal"]
	if got := temporal.Environment["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"]; got != "true" {
		t.Errorf("temporal: TEMPORAL_TLS_REQUIRE_CLIENT_AUTH %q, want the frontend to ask for client certificates", got)
	}
	for name, s := range c.Services {
		cmdline := strings.Join(append(s.Entrypoint, s.Command...), " ")
		paths := tlsFlag.FindAllStringSubmatch(cmdline, -1)
		for k, v := range s.Environment {
			if strings.Contains(k, "_TLS_") && strings.HasPrefix(v, "/") {
				paths = append(paths, []string{k, v})
			}
		}
		for _, p := range paths {
			if host, ok := onHost(s, made, p[1]); !ok {
				t.Errorf("%s: %s is in no folder of %s mounted there", name, p[1], certsDir)
			} else if _, err := os.Stat(host); err != nil {
				t.Errorf("%s: %s is not made by scripts/dev-certs.sh: %v", name, p[1], err)
			}
		}
		reaches := s.Environment["TEMPORAL_ADDRESS"] != "" || s.Environment["SWITCHBOARD_TEMPORAL_ADDRESS"] != ""
		presents := s.Environment["SWITCHBOARD_TEMPORAL_TLS_CERT"] != "" || s.Environment["TEMPORAL_TLS_CERT"] != "" ||
			strings.Contains(cmdline, "--tls-cert-path ")
		if reaches && !presents {
			t.Errorf("%s reaches Temporal without a client certificate: the frontend refuses it", name)
		}
	}

	file := func(s service, variable string) string {
		host, ok := onHost(s, made, s.Environment[variable])
		if !ok {
			t.Fatalf("%s=%q is not among the certificates", variable, s.Environment[variable])
		}
		return host
	}
	worker := c.Services["worker"]
	client := config.TLS{Cert: file(worker, "SWITCHBOARD_TEMPORAL_TLS_CERT"), Key: file(worker, "SWITCHBOARD_TEMPORAL_TLS_KEY"),
		CA: file(worker, "SWITCHBOARD_TEMPORAL_TLS_CA"), ServerName: worker.Environment["SWITCHBOARD_TEMPORAL_TLS_SERVER_NAME"]}
	conf, err := client.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	err = devcerts.Handshake(file(temporal, "TEMPORAL_TLS_FRONTEND_CERT"), file(temporal, "TEMPORAL_TLS_FRONTEND_KEY"),
		file(temporal, "TEMPORAL_TLS_CLIENT1_CA_CERT"), conf)
	if err != nil {
		t.Errorf("the worker's certificate with the frontend's, as server name %q: %v", client.ServerName, err)
	}
}

// publish splits a short port mapping ("127.0.0.1:8080:8080/tcp") into
// host and container ports.
func publish(p string) (host, container string) {
	p, _, _ = strings.Cut(p, "/")
	parts := strings.Split(p, ":")
	switch len(parts) {
	case 1:
		return "", parts[0]
	case 2:
		return parts[0], parts[1]
	default:
		return parts[len(parts)-2], parts[len(parts)-1]
	}
}

// pinned: a digest, or a tag that names a version.
func pinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(ref, "/")
	_, tag, ok := strings.Cut(ref[slash+1:], ":")
	return ok && tag != "" && tag != "latest"
}

func TestDockerfile(t *testing.T) {
	_, root := load(t)
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	froms := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		froms++
		if ref := f[1]; ref != "scratch" && !stages[ref] && !pinned(ref) {
			t.Errorf("FROM %s is not pinned to a version", ref)
		}
		if len(f) == 4 && strings.EqualFold(f[2], "AS") {
			stages[f[3]] = true
		}
	}
	if froms < 2 {
		t.Errorf("%d FROM lines: the Dockerfile should build in one stage and run in another", froms)
	}
	for _, pkg := range regexp.MustCompile(`go build [^&]*?(\./\S+)`).FindAllStringSubmatch(string(data), -1) {
		if _, err := os.Stat(filepath.Join(root, pkg[1])); err != nil {
			t.Errorf("the Dockerfile builds %s: %v", pkg[1], err)
		}
	}
	if !strings.Contains(string(data), "./deploy/healthcheck") {
		t.Error("the Dockerfile does not build the health probe the compose health checks run")
	}
}

// TestComposeCLIValidates runs `docker compose config` or, failing that,
// the older `docker-compose config` when one is installed; the build
// machines have neither by default (no Docker engine), so it reports that
// and checks nothing else.
func TestComposeCLIValidates(t *testing.T) {
	_, root := load(t)
	file := filepath.Join(root, "docker-compose.yml")
	if exec.Command("docker", "compose", "version").Run() == nil {
		if out, err := exec.Command("docker", "compose", "-f", file, "config", "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("docker compose config: %v\n%s", err, out)
		}
		t.Log("docker compose config: valid")
		return
	}
	if exec.Command("docker-compose", "version").Run() == nil {
		// Compose v1 predates the top-level name; the rest of the file is
		// the same specification.
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		stripped := filepath.Join(t.TempDir(), "docker-compose.yml")
		if err := os.WriteFile(stripped, regexp.MustCompile(`(?m)^name: .*\n`).ReplaceAll(data, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("docker-compose", "-f", stripped, "--project-directory", root, "config", "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("docker-compose config: %v\n%s", err, out)
		}
		t.Log("docker-compose (v1) config: valid")
		return
	}
	t.Skip("no compose CLI here (`docker compose` and `docker-compose` both missing): only the structural checks above ran")
}

// Resolved cases outlive the namespace's retention: the server archives
// history and visibility (the image's filestore provider) to a volume of
// its own that its user owns, and the namespace is created, or updated,
// with archival on, at URIs inside that volume.
func TestComposeArchives(t *testing.T) {
	c, _ := load(t)
	temporal := c.Services["temporal"]
	if !slices.Contains(temporal.Volumes, "temporal-archive:/archive") {
		t.Fatalf("temporal mounts %v, not the archive volume at /archive", temporal.Volumes)
	}
	if _, ok := c.Volumes["temporal-archive"]; !ok {
		t.Error("no temporal-archive volume")
	}
	owner := c.Services["temporal-archive-owner"]
	if temporal.DependsOn["temporal-archive-owner"].Condition != "service_completed_successfully" ||
		owner.User != "0" || strings.Join(owner.Entrypoint, " ") != "chown 1000:1000 /archive" || !slices.Contains(owner.Volumes, "temporal-archive:/archive") {
		t.Errorf("the archive volume is not handed to the server's user first: %+v", owner)
	}
	ns := strings.Join(c.Services["temporal-namespace"].Command, " ")
	for _, flag := range []string{"--history-archival-state enabled", "--history-uri file:///archive/history",
		"--visibility-archival-state enabled", "--visibility-uri file:///archive/visibility"} {
		if !strings.Contains(ns, flag) {
			t.Errorf("the namespace job does not set %s", flag)
		}
	}
	if !strings.Contains(ns, "namespace update") || !strings.Contains(ns, "namespace create") {
		t.Error("the namespace job must turn archival on for an existing namespace too")
	}
}
