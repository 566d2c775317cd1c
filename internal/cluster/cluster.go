// Package cluster runs a real Temporal cluster — the server at a pinned
// version, on a private PostgreSQL — for tests and for people: one process,
// or frontend, history, matching and worker as four. It handles what a
// cluster on an empty database needs: membership ports below 32768,
// services started one at a time, restarts on the same ports, a namespace
// and search attributes waited for until usable, a slow SIGTERM. With
// MutualTLS its frontend admits only clients with a certificate of the
// cluster's own CA.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/devcerts"
	"github.com/switchboard-care/switchboard/internal/logging"
	"github.com/switchboard-care/switchboard/workflows"
)

// ServerVersion is the pinned Temporal server (v1.32.2 needs a newer Go).
const ServerVersion = "v1.32.1"

// Services are the cluster's services, in the order they start.
var Services = []string{"history", "matching", "frontend", "worker"}

// Options configures a cluster.
type Options struct {
	Dir       string // PostgreSQL's data, the server's configuration and logs
	Tools     string // the folder with the pinned `server` and `sql` builds
	Namespace string // default "default"
	Port      int    // the frontend's gRPC port; 0 picks a free one
	// Split runs each service as its own process; else one process runs
	// them all.
	Split bool
	// DynamicConfig are server settings, each "key=value".
	DynamicConfig []string
	// Retention of closed workflows in the namespace (default 3 days);
	// the namespace archives their histories and visibility records first
	// (Cluster.ArchiveURI).
	Retention time.Duration
	// MutualTLS serves the frontend over TLS and refuses any client without
	// a certificate of the cluster's CA, made anew in Dir/tls at each
	// start; Cluster.TLS names a client's files.
	MutualTLS bool
}

// Cluster is a running Temporal cluster on PostgreSQL.
type Cluster struct {
	Address string // the frontend's gRPC host:port
	// TLS is what a client of a MutualTLS cluster needs: the CA, a client
	// certificate and key, the server's name. Zero otherwise.
	TLS      config.TLS
	Postgres *Postgres
	opts     Options
	ports    map[string]servicePorts
	procs    map[string]*process // by service, or "all" in one process
	order    []string            // the processes in the order they started
}

type servicePorts struct {
	GRPC       int `json:"grpc"`
	Membership int `json:"membership"`
	HTTP       int `json:"http,omitempty"`
}

type process struct {
	services []string
	cmd      *exec.Cmd
	done     chan error
}

// Start brings up PostgreSQL, the schemas, the services, the namespace and
// switchboard's search attributes, each once the one before is usable.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Retention == 0 {
		opts.Retention = 72 * time.Hour
	}
	for _, tool := range []string{"server", "sql"} {
		if _, err := os.Stat(filepath.Join(opts.Tools, tool)); err != nil {
			return nil, fmt.Errorf("no Temporal %s %s in %s: run `make temporal-server`", tool, ServerVersion, opts.Tools)
		}
	}
	var err error
	if opts.Dir, err = filepath.Abs(opts.Dir); err != nil { // children run in it: paths must not be relative
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	pg, err := StartPostgres(ctx, filepath.Join(opts.Dir, "postgres"))
	if err != nil {
		return nil, err
	}
	c := &Cluster{Postgres: pg, opts: opts, ports: map[string]servicePorts{}, procs: map[string]*process{}}
	if err := c.start(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := c.schemas(ctx); err != nil {
		return err
	}
	if err := c.choosePorts(); err != nil {
		return err
	}
	c.Address = fmt.Sprintf("127.0.0.1:%d", c.ports["frontend"].GRPC)
	if err := c.writeConfig(); err != nil {
		return err
	}
	groups := [][]string{Services}
	if c.opts.Split {
		groups = nil
		for _, svc := range Services {
			groups = append(groups, []string{svc})
		}
	}
	for _, g := range groups {
		if err := c.startProcess(ctx, g); err != nil {
			return err
		}
	}
	return c.prepareNamespace(ctx)
}

// choosePorts takes the ports a cluster in this folder used before (a host
// that comes back on other ports stays in the membership ring for
// minutes), else free ones, and keeps them for next time.
func (c *Cluster) choosePorts() error {
	path := filepath.Join(c.opts.Dir, "ports.json")
	if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &c.ports) == nil && len(c.ports) == len(Services) {
		if was := c.ports["frontend"].GRPC; c.opts.Port != 0 && c.opts.Port != was {
			return fmt.Errorf("the cluster in %s listens on port %d (a cluster keeps its ports); ask for that one, or use another folder", c.opts.Dir, was)
		}
		return nil
	}
	c.ports = map[string]servicePorts{}
	for _, svc := range Services {
		var p servicePorts
		var err error
		if svc == "frontend" && c.opts.Port != 0 {
			p.GRPC = c.opts.Port
		} else if p.GRPC, err = freePort(); err != nil {
			return err
		}
		if p.Membership, err = freePort(); err == nil && svc == "frontend" {
			p.HTTP, err = freePort()
		}
		if err != nil {
			return err
		}
		c.ports[svc] = p
	}
	data, err := json.Marshal(c.ports)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// schemas creates Temporal's two databases and brings their schemas up to
// the server's version (both steps are no-ops when already done).
func (c *Cluster) schemas(ctx context.Context) error {
	sqlTool := filepath.Join(c.opts.Tools, "sql")
	for db, schema := range map[string]string{"temporal": "postgresql/v12/temporal", "temporal_visibility": "postgresql/v12/visibility"} {
		base := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "-p", fmt.Sprint(c.Postgres.Port), "-u", "postgres", "--pw", c.Postgres.Password, "--db", db}
		steps := [][]string{{"create-database"}, {"setup-schema", "-v", "0.0"}, {"update-schema", "--schema-name", schema}}
		for _, step := range steps {
			var out []byte
			var err error
			for attempt := 0; attempt < 50; attempt++ { // PostgreSQL may still be starting up
				out, err = exec.CommandContext(ctx, sqlTool, append(base, step...)...).CombinedOutput()
				if err == nil || !strings.Contains(string(out), "starting up") && !strings.Contains(string(out), "connection refused") {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			// A cluster that ran before has its databases and a schema.
			if err != nil && !(step[0] != "update-schema" && strings.Contains(string(out), "already exists")) {
				return fmt.Errorf("temporal-sql-tool %s on %s: %v\n%s", step[0], db, err, out)
			}
		}
	}
	return nil
}

func (c *Cluster) configPath() string { return filepath.Join(c.opts.Dir, "temporal.yaml") }

// serverName is the name the frontend's certificate carries, as clients
// ask for it: the cluster listens on loopback only.
const serverName = "localhost"

// serverCerts are the files the server's own TLS needs: the frontend's
// certificate and the one the server's system workers present to it.
type serverCerts struct {
	ca, frontendCert, frontendKey, workerCert, workerKey string
}

// makeCerts makes a CA and the certificates it signs, for the frontend, the
// server's system workers and switchboard's client, and sets c.TLS.
func (c *Cluster) makeCerts() (*serverCerts, error) {
	dir := filepath.Join(c.opts.Dir, "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca, err := devcerts.NewCA("switchboard cluster CA")
	if err != nil {
		return nil, err
	}
	s := &serverCerts{ca: filepath.Join(dir, "ca.pem")}
	if err := ca.WriteCert(s.ca); err != nil {
		return nil, err
	}
	if s.frontendCert, s.frontendKey, err = ca.Issue(dir, "frontend", serverName, "127.0.0.1"); err != nil {
		return nil, err
	}
	if s.workerCert, s.workerKey, err = ca.Issue(dir, "system-worker"); err != nil {
		return nil, err
	}
	cert, key, err := ca.Issue(dir, "client")
	if err != nil {
		return nil, err
	}
	c.TLS = config.TLS{Cert: cert, Key: key, CA: s.ca, ServerName: serverName}
	return s, nil
}

func (c *Cluster) writeConfig() error {
	var b strings.Builder
	store := func(name, db string, conns int) {
		fmt.Fprintf(&b, `    %s:
      sql:
        pluginName: postgres12
        databaseName: %s
        connectAddr: "%s"
        connectProtocol: tcp
        user: postgres
        password: "%s"
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h
`, name, db, c.Postgres.Addr(), c.Postgres.Password, conns, conns)
	}
	b.WriteString("log:\n  stdout: true\n  level: warn\n  format: console\npersistence:\n  defaultStore: default\n  visibilityStore: visibility\n  numHistoryShards: 4\n  datastores:\n")
	store("default", "temporal", 20)
	store("visibility", "temporal_visibility", 10)
	b.WriteString("global:\n  membership:\n    maxJoinDuration: 30s\n    broadcastAddress: 127.0.0.1\n")
	if c.opts.MutualTLS {
		s, err := c.makeCerts()
		if err != nil {
			return err
		}
		// The frontend asks every client for a certificate of the CA. Inside
		// the server, every service reaches the frontend as the system
		// worker does (its SDK clients), so that client presents one too;
		// internode traffic (history, matching) stays on loopback in clear.
		fmt.Fprintf(&b, `  tls:
    frontend:
      server:
        certFile: "%s"
        keyFile: "%s"
        requireClientAuth: true
        clientCaFiles: ["%s"]
    systemWorker:
      certFile: "%s"
      keyFile: "%s"
      client:
        serverName: %s
        rootCaFiles: ["%s"]
`, s.frontendCert, s.frontendKey, s.ca, s.workerCert, s.workerKey, serverName, s.ca)
	}
	b.WriteString("services:\n")
	for _, svc := range Services {
		p := c.ports[svc]
		fmt.Fprintf(&b, "  %s:\n    rpc:\n      grpcPort: %d\n      membershipPort: %d\n      bindOnIP: 127.0.0.1\n", svc, p.GRPC, p.Membership)
		if p.HTTP != 0 {
			fmt.Fprintf(&b, "      httpPort: %d\n", p.HTTP)
		}
	}
	fmt.Fprintf(&b, `clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "%s"
      httpAddress: "127.0.0.1:%d"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "%s"
  pollInterval: 10s
archival:
  history:
    state: enabled
    enableRead: true
    provider:
      filestore: {fileMode: "0644", dirMode: "0755"}
  visibility:
    state: enabled
    enableRead: true
    provider:
      filestore: {fileMode: "0644", dirMode: "0755"}
namespaceDefaults:
  archival:
    history: {state: enabled, URI: "%s"}
    visibility: {state: enabled, URI: "%s"}
`, c.Address, c.ports["frontend"].HTTP, filepath.Join(c.opts.Dir, "dynamicconfig.yaml"), c.ArchiveURI("history"), c.ArchiveURI("visibility"))
	if err := os.WriteFile(c.configPath(), []byte(b.String()), 0o600); err != nil { // it holds the password
		return err
	}
	// A new namespace and search attributes are usable sooner.
	dynamic := append([]string{"system.namespaceCacheRefreshInterval=1s", "system.forceSearchAttributesCacheRefreshOnRead=true"}, c.opts.DynamicConfig...)
	var d strings.Builder
	for _, kv := range dynamic {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("dynamic config %q: want key=value", kv)
		}
		fmt.Fprintf(&d, "%s:\n  - value: %s\n", key, value)
	}
	return os.WriteFile(filepath.Join(c.opts.Dir, "dynamicconfig.yaml"), []byte(d.String()), 0o644)
}

func (c *Cluster) startProcess(ctx context.Context, services []string) error {
	name := strings.Join(services, "+")
	if len(services) == len(Services) {
		name = "all"
	}
	args := []string{"--config-file", c.configPath(), "--allow-no-auth", "start"}
	for _, svc := range services {
		args = append(args, "--service", svc)
	}
	log, err := os.OpenFile(filepath.Join(c.opts.Dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(c.opts.Tools, "server"), args...)
	cmd.Dir = c.opts.Dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start temporal %s: %w", name, err)
	}
	p := &process{services: services, cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	if _, ok := c.procs[name]; !ok {
		c.order = append(c.order, name)
	}
	c.procs[name] = p
	// One at a time, each once it listens: services starting together on
	// an empty database race on the cluster's metadata.
	for _, svc := range services {
		addr := fmt.Sprintf("127.0.0.1:%d", c.ports[svc].GRPC)
		if err := waitListening(ctx, addr, p.done, "temporal "+svc+" (see "+log.Name()+")"); err != nil {
			return err
		}
	}
	return nil
}

// ArchiveURI is where the namespace archives what kind ("history" or
// "visibility") of its closed workflows: a folder of the cluster's, so a
// case stays readable after its retention ran out.
func (c *Cluster) ArchiveURI(kind string) string {
	return "file://" + filepath.Join(c.opts.Dir, "archive", kind)
}

// prepareNamespace registers the namespace and the search attributes, and
// waits until a query on each attribute is accepted.
func (c *Cluster) prepareNamespace(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// The frontend listens before it is healthy: the dial's own health
	// check is asked again until it answers.
	// A TLS setting that cannot be read fails at once: no wait mends it.
	opts, err := c.clientOptions()
	if err != nil {
		return err
	}
	var tc client.Client
	for {
		if tc, err = client.DialContext(ctx, opts); err == nil {
			break
		}
		if err := pause(ctx, "reach the frontend", err); err != nil {
			return err
		}
	}
	defer tc.Close()
	ws := tc.WorkflowService()
	for {
		_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: c.opts.Namespace,
			WorkflowExecutionRetentionPeriod: durationpb.New(c.opts.Retention),
			HistoryArchivalState:             enums.ARCHIVAL_STATE_ENABLED, HistoryArchivalUri: c.ArchiveURI("history"),
			VisibilityArchivalState: enums.ARCHIVAL_STATE_ENABLED, VisibilityArchivalUri: c.ArchiveURI("visibility")})
		var exists *serviceerror.NamespaceAlreadyExists
		if err == nil || errors.As(err, &exists) {
			break
		}
		if err := pause(ctx, "register namespace "+c.opts.Namespace, err); err != nil {
			return err
		}
	}
	attrs := map[string]enums.IndexedValueType{}
	for _, sa := range workflows.SearchAttributes {
		attrs[sa.Name] = sa.Type
	}
	for {
		_, err = tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{SearchAttributes: attrs, Namespace: c.opts.Namespace})
		var exists *serviceerror.AlreadyExists
		if err == nil || errors.As(err, &exists) {
			break
		}
		if err := pause(ctx, "add search attributes", err); err != nil {
			return err
		}
	}
	for _, sa := range workflows.SearchAttributes {
		for {
			_, err := ws.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: c.opts.Namespace,
				Query: sa.Name + " IS NOT NULL"})
			if err == nil {
				break
			}
			if err := pause(ctx, "query on "+sa.Name, err); err != nil {
				return err
			}
		}
	}
	return nil
}

func pause(ctx context.Context, what string, err error) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w (last: %v)", what, ctx.Err(), err)
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}

func (c *Cluster) clientOptions() (client.Options, error) {
	tlsConf, err := c.TLS.ClientConfig()
	if err != nil {
		return client.Options{}, err
	}
	return client.Options{HostPort: c.Address, Namespace: c.opts.Namespace, Logger: logging.Temporal(zap.NewNop()),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsConf}}, nil
}

// Kill ends a service's process at once (kill -9), as a crash would; in one
// process, "all".
func (c *Cluster) Kill(service string) error {
	p, ok := c.procs[service]
	if !ok {
		return fmt.Errorf("no temporal process %q (have %v)", service, c.names())
	}
	return stop(p.cmd, p.done, syscall.SIGKILL, 0)
}

// Restart starts a killed or stopped service again, on the same ports: a
// host that comes back elsewhere stays in the membership ring for minutes.
func (c *Cluster) Restart(ctx context.Context, service string) error {
	p, ok := c.procs[service]
	if !ok {
		return fmt.Errorf("no temporal process %q (have %v)", service, c.names())
	}
	if err := stop(p.cmd, p.done, syscall.SIGTERM, 15*time.Second); err != nil {
		return err
	}
	return c.startProcess(ctx, p.services)
}

func (c *Cluster) names() []string { return c.order }

// Stop ends every service, then PostgreSQL.
func (c *Cluster) Stop() error {
	if err := c.StopServices(); err != nil {
		return err
	}
	return c.Postgres.Stop()
}

// StopServices ends every Temporal service (SIGTERM; the data is safe in
// PostgreSQL, so a service slower than its grace is killed), leaving
// PostgreSQL running.
func (c *Cluster) StopServices() error {
	for i := len(c.order) - 1; i >= 0; i-- {
		p := c.procs[c.order[i]]
		_ = stop(p.cmd, p.done, syscall.SIGTERM, 15*time.Second)
	}
	return nil
}

// StartServices starts every service again on its ports (stopping any
// still running first) and waits until the namespace answers.
func (c *Cluster) StartServices(ctx context.Context) error {
	if err := c.StopServices(); err != nil {
		return err
	}
	for _, name := range c.order {
		if err := c.startProcess(ctx, c.procs[name].services); err != nil {
			return err
		}
	}
	return c.prepareNamespace(ctx)
}
