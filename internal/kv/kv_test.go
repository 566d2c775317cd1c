package kv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/internal/cluster"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/kv"
)

// stores opens the two kinds of store this package has: SQLite in a file,
// and a private PostgreSQL (when its server is installed).
func stores(t *testing.T) map[string]func() *kv.Store {
	ctx := context.Background()
	sqlite := filepath.Join(t.TempDir(), "shared.db")
	open := func(url string) func() *kv.Store {
		return func() *kv.Store {
			s, err := kv.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	out := map[string]func() *kv.Store{"sqlite": open(sqlite)}
	pg, err := cluster.StartPostgres(ctx, filepath.Join(t.TempDir(), "pg"))
	if err != nil {
		if os.Getenv(devservertest.EnvBackend) == "postgres" { // make test-cluster installed it
			t.Fatal(err)
		}
		t.Logf("no PostgreSQL: %v", err)
		return out
	}
	t.Cleanup(func() { _ = pg.Stop() })
	if err := pg.CreateDatabase(ctx, "switchboard"); err != nil {
		t.Fatal(err)
	}
	out["postgres"] = open(pg.URL("switchboard"))
	return out
}

type record struct {
	Agent string `json:"agent"`
}

// Two replicas on one store see each other's records; of two adding one key
// at once, exactly one wins; expired records are gone.
func TestReplicasShareRecords(t *testing.T) {
	ctx := context.Background()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := open(), open() // two replicas, each opening (and migrating) the store
			if err := a.Put(ctx, "sessions", "s1", record{"sam"}, time.Time{}); err != nil {
				t.Fatal(err)
			}
			var got record
			if ok, err := b.Get(ctx, "sessions", "s1", &got); !ok || err != nil || got.Agent != "sam" {
				t.Fatalf("the other replica reads %+v %v %v", got, ok, err)
			}
			wins := 0
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := a
					if i%2 == 1 {
						s = b
					}
					ok, err := s.Add(ctx, "sent", "case/x/1/req-1", record{fmt.Sprint(i)}, time.Time{})
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if wins != 1 {
				t.Fatalf("%d adds of one key won", wins)
			}
			if err := a.Put(ctx, "flashes", "f1", record{"x"}, time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if ok, _ := b.Get(ctx, "flashes", "f1", &got); ok {
				t.Fatal("an expired record was read")
			}
			if ok, err := b.Add(ctx, "flashes", "f1", record{"y"}, time.Time{}); !ok || err != nil {
				t.Fatalf("an expired record blocked an add: %v %v", ok, err)
			}
			if err := b.Delete(ctx, "sessions", "s1"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := a.Get(ctx, "sessions", "s1", &got); ok {
				t.Fatal("a deleted record was read")
			}
			keys, err := a.Keys(ctx, "sent")
			if err != nil || fmt.Sprint(keys) != "[case/x/1/req-1]" {
				t.Fatalf("keys %v %v", keys, err)
			}
			if err := a.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Of replicas replacing one record from the state they both read, exactly
// one wins; a replace from a state that has moved on changes nothing.
func TestReplaceIsCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			a, b := open(), open()
			start := record{"pending"}
			if err := a.Put(ctx, "sent", "k", start, time.Time{}); err != nil {
				t.Fatal(err)
			}
			var wins []string
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := []*kv.Store{a, b}[i%2]
					ok, err := s.Replace(ctx, "sent", "k", start, record{fmt.Sprint("by ", i)}, time.Time{})
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						wins = append(wins, fmt.Sprint("by ", i))
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			var got record
			if ok, err := b.Get(ctx, "sent", "k", &got); len(wins) != 1 || !ok || err != nil || got.Agent != wins[0] {
				t.Fatalf("winners %v, record %+v %v %v", wins, got, ok, err)
			}
			if ok, err := a.Replace(ctx, "sent", "missing", start, record{"x"}, time.Time{}); ok || err != nil {
				t.Fatalf("a replace of no record: %v %v", ok, err)
			}
			all, err := kv.All[record](ctx, a, "sent")
			if err != nil || len(all) != 1 || all[0] != got {
				t.Fatalf("all %v %v", all, err)
			}
		})
	}
	mem, err := kv.Memory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if ok, err := mem.Add(ctx, "t", "k", record{"x"}, time.Time{}); !ok || err != nil {
		t.Fatalf("memory store: %v %v", ok, err)
	}
}
