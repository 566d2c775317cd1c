// Package config loads switchboard's configuration with viper: the embedded
// defaults (the demo brand), then a file, then SWITCHBOARD_* environment
// variables; and it validates the result, naming the key of any mistake.
package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/triage"
)

//go:embed defaults/*.yaml
var defaults embed.FS

// EnvConfigFile names the environment variable that points at a config file.
const EnvConfigFile = "SWITCHBOARD_CONFIG"

// Temporal says where the Temporal service is.
type Temporal struct {
	Address   string `mapstructure:"address"`
	Namespace string `mapstructure:"namespace"`
	TaskQueue string `mapstructure:"task_queue"`
	// CachedWorkflows bounds the workflows a worker keeps in memory between
	// their tasks; an evicted one is replayed from history when it next
	// wakes. It is what bounds a worker's memory, whatever the open cases.
	CachedWorkflows int `mapstructure:"cached_workflows"`
	TLS             TLS `mapstructure:"tls"`
}

// TLS says how to reach a Temporal frontend that serves TLS, by file
// paths; all empty is plaintext (the dev server). With Cert and Key the
// client proves it holds a certificate, which a frontend with
// requireClientAuth asks of everyone; CA alone verifies the server only.
type TLS struct {
	Cert       string `mapstructure:"cert"`
	Key        string `mapstructure:"key"`
	CA         string `mapstructure:"ca"`          // verifies the server; empty, the system's roots
	ServerName string `mapstructure:"server_name"` // the name the server's certificate must carry; empty, the address's host
}

// enabled says the frontend is reached over TLS.
func (t TLS) enabled() bool { return t.Cert != "" || t.CA != "" }

// ClientConfig reads the files into a client's TLS configuration; nil when
// TLS is not configured. A file that is missing or not what its key says is
// an error naming the key, at start rather than at the first call.
func (t TLS) ClientConfig() (*tls.Config, error) {
	if !t.enabled() {
		return nil, nil
	}
	conf := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.Cert != "" {
		pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls.cert %s with temporal.tls.key %s: %w", t.Cert, t.Key, err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	if t.CA != "" {
		data, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls.ca: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("temporal.tls.ca %s: holds no PEM certificate", t.CA)
		}
	}
	return conf, nil
}

func (t TLS) validate() error {
	if (t.Cert == "") != (t.Key == "") {
		return errors.New("temporal.tls.cert and temporal.tls.key come together: set both, or neither")
	}
	if t.ServerName != "" && !t.enabled() {
		return errors.New("temporal.tls.server_name is set but TLS is not: set temporal.tls.ca, or temporal.tls.cert and key")
	}
	return nil
}

// Metrics says where the Prometheus /metrics endpoint listens ("" for none).
type Metrics struct {
	Listen string `mapstructure:"listen"`
}

// Log configures zap.
type Log struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

// Config is the whole configuration.
type Config struct {
	Temporal Temporal       `mapstructure:"temporal"`
	DataDir  string         `mapstructure:"data_dir"`
	Log      Log            `mapstructure:"log"`
	Metrics  Metrics        `mapstructure:"metrics"`
	Policy   policy.Policy  `mapstructure:"policy"`
	Agents   []policy.Agent `mapstructure:"agents"`
	Triage   triage.Config  `mapstructure:"triage"`
	Retrain  Retrain        `mapstructure:"retrain"`
	Console  Console        `mapstructure:"console"`
	// Store is where switchboard keeps what every replica must share
	// outside Temporal (console sessions): a postgres:// URL in a
	// deployment; empty, a SQLite file in the data folder.
	Store    Store    `mapstructure:"store"`
	Security Security `mapstructure:"security"`

	Intake        Intake         `mapstructure:"intake"`
	Publishers    publish.Config `mapstructure:"publishers"`
	Notifications Notifications  `mapstructure:"notifications"`
	Incidents     Incidents      `mapstructure:"incidents"`

	directory *policy.Directory
}

// Store configures the shared store (internal/kv).
type Store struct {
	URL string `mapstructure:"url"`
}

// Security says how who acts is vouched for (package assertion).
type Security struct {
	// SigningKey is the path of the Ed25519 private key that signs actor
	// assertions; empty, signing.key in the data folder, made on first use.
	SigningKey string `mapstructure:"signing_key"`
	// VerifyKeys are the public keys workers trust; empty, the signing
	// key's own.
	VerifyKeys []string `mapstructure:"verify_keys"`
}

// Signer signs actor assertions with the configured key, making the data
// folder's one on first use when none is configured.
func (c *Config) Signer() (*assertion.Signer, error) {
	return assertion.LoadSigner(c.SigningKeyPath(), c.Security.SigningKey == "")
}

// SigningKeyPath is the signing key's file: security.signing_key, else
// signing.key in the data folder.
func (c *Config) SigningKeyPath() string {
	if c.Security.SigningKey != "" {
		return c.Security.SigningKey
	}
	return filepath.Join(c.DataDir, "signing.key")
}

// ActorKeys are the keys a worker verifies actor assertions with:
// security.verify_keys, else the signing key's public half.
func (c *Config) ActorKeys() (assertion.Keys, error) {
	if len(c.Security.VerifyKeys) == 0 {
		s, err := c.Signer()
		if err != nil {
			return nil, err
		}
		return assertion.NewKeys(s.Public()), nil
	}
	return c.verifyKeys()
}

func (c *Config) verifyKeys() (assertion.Keys, error) {
	keys := assertion.Keys{}
	for i, k := range c.Security.VerifyKeys {
		pub, err := assertion.ParsePublicKey(k)
		if err != nil {
			return nil, fmt.Errorf("security.verify_keys[%d]: %w", i, err)
		}
		keys[assertion.KeyID(pub)] = pub
	}
	return keys, nil
}

// StoreURL is the shared store to open: Store.URL, else switchboard.db in
// the data folder.
func (c *Config) StoreURL() string {
	if c.Store.URL != "" {
		return c.Store.URL
	}
	return filepath.Join(c.DataDir, "switchboard.db")
}

// Retrain configures the schedule that retrains triage from agents'
// corrections (the learning packages).
type Retrain struct {
	// Every is how often the schedule runs; 0 creates no schedule.
	Every time.Duration `mapstructure:"every"`
	// HoldoutShare of the corrections measures candidates, never trains them.
	HoldoutShare float64 `mapstructure:"holdout_share"`
	// MinHeldOut corrections are needed before a candidate can be promoted.
	MinHeldOut int `mapstructure:"min_held_out"`
	// Refresh is how often a worker looks for a newly promoted model.
	Refresh time.Duration `mapstructure:"refresh"`
}

// Directory is the validated agent directory.
func (c *Config) Directory() *policy.Directory { return c.directory }

// Load reads the configuration. file may be empty; then SWITCHBOARD_CONFIG is
// used if set, else the embedded defaults alone.
func Load(file string) (*Config, error) {
	if file == "" {
		file = os.Getenv(EnvConfigFile)
	}
	return load(file, true)
}

// Default loads the embedded defaults only, ignoring files and the
// environment: the demo brand, for tests and tools.
func Default() (*Config, error) { return load("", false) }

// Parse is the configuration of YAML text over the embedded defaults, as
// Load reads a file, without the environment's overrides: a policy a lead
// pasted to try it on the past.
func Parse(name string, yaml []byte) (*Config, error) {
	return build("config "+name, func(v *viper.Viper) error {
		if err := v.MergeConfig(bytes.NewReader(yaml)); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return nil
	}, false)
}

func load(file string, useEnv bool) (*Config, error) {
	if file == "" {
		return build("config", func(*viper.Viper) error { return nil }, useEnv)
	}
	return build("config "+file, func(v *viper.Viper) error {
		v.SetConfigFile(file)
		if err := v.MergeInConfig(); err != nil {
			return fmt.Errorf("read config file %s: %w", file, err)
		}
		return nil
	}, useEnv)
}

// build merges the defaults, then what merge adds, then (with useEnv) the
// environment, and checks the result.
func build(source string, merge func(*viper.Viper) error, useEnv bool) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := mergeDefaults(v); err != nil {
		return nil, err
	}
	if err := merge(v); err != nil {
		return nil, err
	}
	if useEnv {
		v.SetEnvPrefix("SWITCHBOARD")
		v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
		v.AutomaticEnv()
	}
	var cfg Config
	if err := v.Unmarshal(&cfg); err != nil {
		return nil, fmt.Errorf("decode %s: %w", source, err)
	}
	cfg.normalise()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return &cfg, nil
}

func mergeDefaults(v *viper.Viper) error {
	files, err := fs.Glob(defaults, "defaults/*.yaml")
	if err != nil {
		return err
	}
	for _, f := range files { // Glob sorts, so 10-… merges before 20-…
		data, err := defaults.ReadFile(f)
		if err != nil {
			return err
		}
		if err := v.MergeConfig(bytes.NewReader(data)); err != nil {
			return fmt.Errorf("embedded %s: %w", path.Base(f), err)
		}
	}
	return nil
}

// normalise undoes viper's lower-casing of map keys (P1 → p1) and fills in
// what can be derived.
func (c *Config) normalise() {
	for id, d := range c.Policy.Departments {
		d.ID = id
		targets := make(map[policy.Priority]policy.Targets, len(d.Targets))
		for prio, t := range d.Targets {
			targets[policy.Priority(strings.ToUpper(string(prio)))] = t
		}
		d.Targets = targets
		c.Policy.Departments[id] = d
	}
	for i, r := range c.Policy.Routing {
		c.Policy.Routing[i].Priority = policy.Priority(strings.ToUpper(string(r.Priority)))
	}
}

func (c *Config) validate() error {
	if c.Temporal.Address == "" {
		return errors.New("temporal.address is required (host:port)")
	}
	if c.Temporal.Namespace == "" {
		return errors.New("temporal.namespace is required")
	}
	if c.Temporal.TaskQueue == "" {
		return errors.New("temporal.task_queue is required")
	}
	if c.Temporal.CachedWorkflows < 1 {
		return fmt.Errorf("temporal.cached_workflows: %d must be at least 1", c.Temporal.CachedWorkflows)
	}
	if err := c.Temporal.TLS.validate(); err != nil {
		return err
	}
	if c.DataDir == "" {
		return errors.New("data_dir is required")
	}
	if err := c.Policy.Validate(); err != nil {
		return err
	}
	if err := c.Triage.Validate(); err != nil {
		return err
	}
	if err := c.Intake.Validate(); err != nil {
		return err
	}
	if r := c.Retrain; r.Every < 0 || r.HoldoutShare <= 0 || r.HoldoutShare >= 1 || r.MinHeldOut < 1 || r.Refresh <= 0 {
		return fmt.Errorf("retrain: every %s must not be negative, holdout_share %v must be between 0 and 1, min_held_out %d at least 1, refresh %s positive",
			r.Every, r.HoldoutShare, r.MinHeldOut, r.Refresh)
	}
	if _, err := c.verifyKeys(); err != nil {
		return err
	}
	if err := c.Incidents.validate(c.Policy.DepartmentIDs()); err != nil {
		return err
	}
	dir, err := policy.NewDirectory(c.Agents, &c.Policy)
	if err != nil {
		return err
	}
	c.directory = dir
	agents := map[string]bool{}
	for _, a := range c.Agents {
		agents[a.ID] = true
	}
	return c.Notifications.Validate(agents, c.Policy.DepartmentIDs())
}
