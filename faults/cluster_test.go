//go:build faults

package faults

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/workflows"
)

// onCluster is the stack of a fault test that needs the cluster on
// PostgreSQL (`make test-cluster`); on the dev server it skips.
func onCluster(t *testing.T) (*stack.Stack, context.Context) {
	t.Helper()
	if os.Getenv(devservertest.EnvBackend) != "postgres" {
		t.Skip("needs the cluster on PostgreSQL: make test-cluster")
	}
	s, _, ctx := withWorkerProcess(t, nil)
	return s, ctx
}

// burst submits n posts from separate customers, eight at a time, the way
// a platform delivers: a post the server could not take is delivered
// again until it is acknowledged. fault runs once the first third are
// acknowledged, with the rest still to come. It returns the case ids.
func burst(t *testing.T, ctx context.Context, s *stack.Stack, tag string, n int, fault func()) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	retried := 0
	var mu sync.Mutex
	for i := range n {
		if i == n/3 {
			wg.Wait()
			fault()
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			p := question(tag, i)
			for ctx.Err() == nil {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := s.Cases.Submit(sctx, p)
				cancel()
				if err == nil {
					ids[i] = p.CaseID()
					return
				}
				mu.Lock()
				retried++
				mu.Unlock()
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d posts acknowledged (%d deliveries refused and delivered again)", n, retried)
	for i, id := range ids {
		if id == "" {
			t.Fatalf("post %d never acknowledged", i)
		}
	}
	return ids
}

// settle waits until every acknowledged post's case is triaged and
// visibility agrees (it is updated asynchronously, later after a fault),
// then reports what the cluster holds: started, open, failed; lost must
// be 0.
func settle(t *testing.T, ctx context.Context, s *stack.Stack, ids []string) {
	t.Helper()
	for _, id := range ids {
		if err := waitTriaged(ctx, s.Cases, id); err != nil {
			t.Fatal(err)
		}
	}
	query := fmt.Sprintf("WorkflowType = '%s'", workflows.CaseWorkflowName)
	var started, open, failed int
	for {
		started = count(t, ctx, s, query)
		open = count(t, ctx, s, query+" AND ExecutionStatus = 'Running' AND CaseStatus = 'open'")
		failed = count(t, ctx, s, query+" AND ExecutionStatus = 'Failed'")
		if started == len(ids) && open == len(ids) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	lost := len(ids) - open
	t.Logf("acknowledged %d, started %d, open %d, failed %d, lost %d", len(ids), started, open, failed, lost)
	if started != len(ids) || lost != 0 || failed != 0 {
		t.Fatalf("acknowledged %d posts: %d cases started, %d open, %d failed", len(ids), started, open, failed)
	}
}

// The history service dies (kill -9) in the middle of a burst of posts and
// comes back on its ports two seconds later: every acknowledged post has
// its case.
func TestHistoryKilledDuringABurst(t *testing.T) {
	s, ctx := onCluster(t)
	back := make(chan error, 1)
	ids := burst(t, ctx, s, "hist", 60, func() {
		if err := s.Server.Cluster.Kill("history"); err != nil {
			t.Fatal(err)
		}
		t.Log("killed the history service with SIGKILL")
		go func() {
			time.Sleep(2 * time.Second)
			back <- s.Server.Cluster.Restart(ctx, "history")
		}()
	})
	if err := <-back; err != nil {
		t.Fatal(err)
	}
	settle(t, ctx, s, ids)
}

// PostgreSQL itself restarts in the middle of a burst: the cluster
// reconnects and every acknowledged post has its case.
func TestPostgresRestartDuringABurst(t *testing.T) {
	s, ctx := onCluster(t)
	back := make(chan error, 1)
	ids := burst(t, ctx, s, "pg", 60, func() {
		go func() { back <- s.Server.Cluster.Postgres.Restart(ctx) }()
	})
	if err := <-back; err != nil {
		t.Fatal(err)
	}
	t.Log("PostgreSQL restarted")
	settle(t, ctx, s, ids)
}
