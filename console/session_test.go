package console

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/internal/kv"
)

// Two console replicas flash messages on one session at once: every one is
// shown, once.
func TestFlashesOfTwoReplicasAreAllShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var replicas []*sessions
	for range 2 {
		store, err := kv.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		replicas = append(replicas, newSessions(time.Hour, time.Now, store, zap.NewNop()))
	}
	sess, err := replicas[0].create("sam")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replicas[i%2].addFlash(sess.ID, flash{Kind: "ok", Text: fmt.Sprint("done ", i)})
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, f := range replicas[1].takeFlashes(sess.ID) {
		seen[f.Text] = true
	}
	if len(seen) != 20 {
		t.Fatalf("%d of 20 flashes shown: %v", len(seen), seen)
	}
	if again := replicas[0].takeFlashes(sess.ID); len(again) != 0 {
		t.Fatalf("shown twice: %v", again)
	}
}
