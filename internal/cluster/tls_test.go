package cluster_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/app"
	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devcerts"
)

// A cluster with mutual TLS lets in only clients that hold a certificate of
// its CA: plaintext, TLS without a certificate and a certificate of another
// CA are refused, while switchboard's own Dial, given the cluster's files
// as temporal.tls, runs a workflow to completion. One cluster for all.
func TestTLSClusterAdmitsOnlyItsOwnCertificates(t *testing.T) {
	tools := serverTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{Dir: t.TempDir(), Tools: tools, MutualTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	t.Logf("a cluster with mutual TLS in %s", time.Since(began).Round(100*time.Millisecond))

	stranger, err := devcerts.NewCA("a stranger's CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := stranger.Issue(t.TempDir(), "stranger")
	if err != nil {
		t.Fatal(err)
	}
	// Each trusts the cluster's CA where it uses TLS, so what is refused is
	// the client's certificate, not the server's.
	refused := map[string]config.TLS{
		"no TLS":                      {},
		"TLS without a certificate":   {CA: c.TLS.CA, ServerName: c.TLS.ServerName},
		"a certificate of another CA": {Cert: cert, Key: key, CA: c.TLS.CA, ServerName: c.TLS.ServerName},
	}
	for name, files := range refused {
		tlsConf, err := files.ClientConfig()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dialCtx, cancelDial := context.WithTimeout(ctx, 10*time.Second)
		tc, err := client.DialContext(dialCtx, client.Options{HostPort: c.Address, ConnectionOptions: client.ConnectionOptions{TLS: tlsConf}})
		cancelDial()
		if err == nil {
			tc.Close()
			t.Errorf("%s: connected, want refused", name)
			continue
		}
		t.Logf("%s: refused (%v)", name, err)
	}

	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.Address, cfg.Temporal.TLS = c.Address, c.TLS
	tc, err := app.Dial(ctx, cfg, zap.NewNop(), nil)
	if err != nil {
		t.Fatalf("with the cluster's client certificate: %v", err)
	}
	defer tc.Close()
	w := worker.New(tc, "naps", worker.Options{})
	w.RegisterWorkflow(napping)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "nap", TaskQueue: "naps"}, napping, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "woke" {
		t.Fatalf("a workflow over mutual TLS: %q, %v", got, err)
	}
}
