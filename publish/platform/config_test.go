package platform_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/publish/platform"
)

// The demo configuration publishes nothing for real: every reply goes to
// the sandbox outbox until a platform is enabled.
func TestDemoConfigurationUsesTheOutbox(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := publish.NewOutbox(filepath.Join(t.TempDir(), "outbox.jsonl"), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	r, err := platform.NewRouter(cfg.Publishers, outbox, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Platforms(); len(got) != 0 {
		t.Fatalf("real platforms in the demo: %v", got)
	}
	if cfg.Publishers.Meta.BaseURL == "" || cfg.Publishers.X.BaseURL == "" {
		t.Fatalf("%+v", cfg.Publishers)
	}
	// Enabling a platform with its token in the environment is all it takes.
	t.Setenv("SWITCHBOARD_X_TOKEN_ACME_HELP", "token-help")
	t.Setenv("SWITCHBOARD_X_TOKEN_ACME_NEWS", "token-news")
	cfg.Publishers.X.Enabled = true
	shared, err := kv.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	sent := platform.NewSentStore(shared, time.Second)
	if r, err = platform.NewRouter(cfg.Publishers, outbox, sent, nil); err != nil || len(r.Platforms()) != 1 {
		t.Fatalf("%v %v", err, r)
	}
}
