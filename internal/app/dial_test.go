package app

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/devcerts"
)

// Dial connects with temporal.tls: a frontend that asks for a client
// certificate of the deployment's CA gets the configured one. The listener
// here only speaks TLS, so Dial itself fails after the handshake; a
// Temporal frontend behind mutual TLS is internal/cluster's TLS test.
func TestDialPresentsTheConfiguredCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, err := devcerts.NewCA("deployment CA")
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := ca.WriteCert(caFile); err != nil {
		t.Fatal(err)
	}
	serverCert, serverKey, err := ca.Issue(dir, "frontend", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	clientCert, clientKey, err := ca.Issue(dir, "worker")
	if err != nil {
		t.Fatal(err)
	}
	l, err := devcerts.Listen(serverCert, serverKey, caFile)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer := make(chan string, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			peer <- "refused: " + err.Error()
			return
		}
		peer <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}()

	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.Address = l.Addr().String()
	cfg.Temporal.TLS = config.TLS{Cert: clientCert, Key: clientKey, CA: caFile, ServerName: "localhost"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		if tc, err := Dial(ctx, cfg, zap.NewNop(), nil); err == nil {
			tc.Close()
		}
	}()
	select {
	case got := <-peer:
		if got != "worker" {
			t.Fatalf("the frontend saw %q, want the configured certificate (worker)", got)
		}
	case <-ctx.Done():
		t.Fatal("Dial never reached the TLS listener")
	}

	// A file that is missing stops Dial before it connects, naming the key.
	cfg.Temporal.TLS.CA = filepath.Join(dir, "missing.pem")
	if _, err := Dial(ctx, cfg, zap.NewNop(), nil); err == nil || !strings.Contains(err.Error(), "temporal.tls.ca") {
		t.Fatalf("a missing CA: %v", err)
	}
}
