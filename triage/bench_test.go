package triage_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

// BenchmarkTriage triages the held-out posts and the training texts in turn,
// a mix of languages, lengths and intents, with the demo configuration
// ("default"), and, for comparison in the same run, with the language
// detector run on every post ("no-shortcut") and in its low-accuracy mode.
// posts/s is wall-clock; posts/cpu-s divides by the CPU time the process
// used, which is what one core sustains even on a busy machine. Run it on
// one core:
//
//	go test ./triage/ -run '^$' -bench Triage -cpu 1
func BenchmarkTriage(b *testing.B) {
	demoEngine(b)
	held := heldOut(b)
	var posts []post.Post
	for _, l := range held {
		posts = append(posts, l.Post)
	}
	for i, ex := range trainingSet(b) {
		p := held[i%len(held)].Post
		p.Text = ex.Text
		posts = append(posts, p)
	}
	variants := []struct {
		name  string
		apply func(*triage.Config)
	}{
		{"default", func(*triage.Config) {}},
		{"no-shortcut", func(c *triage.Config) { c.Language.ShortcutWords = 0 }},
		{"low-accuracy", func(c *triage.Config) { c.Language.LowAccuracy = true }},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			cfg := demo.Triage
			v.apply(&cfg)
			e, err := triage.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start, cpu := time.Now(), processCPU()
			for i := 0; b.Loop(); i++ {
				e.Triage(posts[i%len(posts)])
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
			if used := processCPU() - cpu; used > 0 {
				b.ReportMetric(float64(b.N)/used.Seconds(), "posts/cpu-s")
			}
		})
	}
}

// heapReport is what a fresh process measured around triage.New.
type heapReport struct {
	BaselineMiB float64 `json:"baseline_mib"` // live heap before New
	EngineMiB   float64 `json:"engine_mib"`   // live heap New added
	SysMiB      float64 `json:"sys_mib"`      // memory the Go runtime holds from the OS after New
	BuildMillis int64   `json:"build_ms"`
}

const measureEnv = "SWITCHBOARD_MEASURE_ENGINE_HEAP"

// TestEngineMemory measures the heap an engine holds, language models
// included, in a fresh process for each mode: the models live in
// package-level maps, so once loaded they cannot be measured again.
func TestEngineMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two engines in child processes")
	}
	limits := map[string]float64{"high": 300, "low": 60} // MiB; measured ~135 and ~17
	for _, mode := range []string{"high", "low"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMeasureEngineHeap$")
		cmd.Env = append(os.Environ(), measureEnv+"="+mode)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s accuracy: %v\n%s", mode, err, out)
		}
		var r heapReport
		if err := json.Unmarshal(lastJSONLine(out), &r); err != nil {
			t.Fatalf("%s accuracy: %v in %q", mode, err, out)
		}
		t.Logf("%s accuracy: engine adds %.1f MiB of live heap (process heap before: %.1f MiB; runtime holds %.1f MiB from the OS), built in %d ms",
			mode, r.EngineMiB, r.BaselineMiB, r.SysMiB, r.BuildMillis)
		if r.EngineMiB <= 0 || r.EngineMiB > limits[mode] {
			t.Errorf("%s accuracy engine heap %.1f MiB, want (0, %.0f]", mode, r.EngineMiB, limits[mode])
		}
	}
}

// TestMeasureEngineHeap is TestEngineMemory's child process.
func TestMeasureEngineHeap(t *testing.T) {
	mode := os.Getenv(measureEnv)
	if mode == "" {
		t.Skip("run by TestEngineMemory")
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Triage.Language.LowAccuracy = mode == "low"
	live := func() (heap, sys float64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapAlloc) / (1 << 20), float64(m.Sys) / (1 << 20)
	}
	before, _ := live()
	start := time.Now()
	e, err := triage.New(cfg.Triage)
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	after, sys := live()
	runtime.KeepAlive(e)
	out, _ := json.Marshal(heapReport{BaselineMiB: before, EngineMiB: after - before, SysMiB: sys, BuildMillis: built.Milliseconds()})
	fmt.Printf("\n%s\n", out)
}

// lastJSONLine finds the report among the test binary's own output.
func lastJSONLine(out []byte) []byte {
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.HasPrefix(lines[i], []byte("{")) {
			return lines[i]
		}
	}
	return nil
}
