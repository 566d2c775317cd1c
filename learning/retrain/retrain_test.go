package retrain

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

// A correction written twice (an activity retried) is read once, the last
// version, also by another worker on the same store; one without a key is
// not kept.
func TestStoreReadsEachKeyOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	s := NewStore(openShared(t, path))
	p := post.Post{ID: "1", Platform: "x", Text: "my order never came"}
	if err := s.Add(ctx, casestate.Correction{Key: "case/x/1#5", Post: p, Intent: "complaint"}, casestate.Correction{Key: "case/x/1#7", Post: p, Department: "legal"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, casestate.Correction{Key: "case/x/1#5", Post: p, Intent: "account_issue"}, casestate.Correction{Post: p, Intent: "praise"}); err != nil {
		t.Fatal(err)
	}
	all, err := NewStore(openShared(t, path)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Intent != "account_issue" || all[1].Department != "legal" {
		t.Fatalf("corrections %+v", all)
	}
}

func openShared(t *testing.T, path string) *kv.Store {
	t.Helper()
	s, err := kv.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The split is decided by the post's text: the same post always lands on
// the same side, and about the share asked for is held out.
func TestSplitIsStableAndNearTheShare(t *testing.T) {
	var cs []triage.Correction
	for i := range 1000 {
		cs = append(cs, triage.Correction{Post: post.Post{Text: fmt.Sprintf("post number %d", i)}, Intent: "question"})
	}
	train, holdout := Split(cs, 0.2)
	if len(train)+len(holdout) != 1000 || len(holdout) < 160 || len(holdout) > 240 {
		t.Fatalf("%d trained, %d held out", len(train), len(holdout))
	}
	_, again := Split(cs, 0.2)
	for i := range holdout {
		if holdout[i].Post.Text != again[i].Post.Text {
			t.Fatal("the split moved a post")
		}
	}
}

// Promote names only a model that loads, and a reader sees the new name.
func TestPromoteNamesOnlyAWholeModel(t *testing.T) {
	ctx := context.Background()
	m := NewModels(openShared(t, filepath.Join(t.TempDir(), "shared.db")))
	if v, err := m.Current(ctx); err != nil || v != "" {
		t.Fatalf("before any promotion: %q %v", v, err)
	}
	if err := m.Promote(ctx, "missing"); err == nil {
		t.Fatal("promoted a model that is not there")
	}
	if v, _ := m.Current(ctx); v != "" {
		t.Fatalf("current %q after a refused promotion", v)
	}
}

// A promoted model is picked up by Refresh; the engine it replaces keeps
// serving until then, and the same version is not loaded twice.
func TestLiveSwitchesToThePromotedModel(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	base, err := triage.New(cfg.Triage)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	models := NewModels(openShared(t, path))
	live, err := NewLive(base, models, zap.NewNop())
	if err != nil || live.Engine() != base {
		t.Fatalf("before any promotion: %v", err)
	}
	m := base.Model()
	if err := models.Save(ctx, m); err != nil {
		t.Fatal(err)
	}
	// Promoted by another worker on the same store.
	if err := NewModels(openShared(t, path)).Promote(ctx, m.Version); err != nil {
		t.Fatal(err)
	}
	if err := live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	switched := live.Engine()
	if switched == base || switched.Model().Version != m.Version {
		t.Fatalf("engine after promotion: %p (base %p), model %s", switched, base, switched.Model().Version)
	}
	if err := live.Refresh(ctx); err != nil || live.Engine() != switched {
		t.Fatalf("a second refresh of the same version reloaded it: %v", err)
	}
}
