package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack"
)

// TestRunSmall runs the whole benchmark at a small size against a real dev
// server and worker processes, so it keeps working as the workflows change.
func TestRunSmall(t *testing.T) {
	if _, err := devserver.Find(); err != nil {
		if os.Getenv(devservertest.EnvRequire) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := stack.Binary(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Binary: bin, Dir: dir, Rounds: 1, Posts: 10, Concurrency: 4, SteadyFor: 8 * time.Second,
		TimerTarget: 3 * time.Second, OpenCases: 30, OpenSubmitters: 8}
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	rd := rep.Rounds[0]
	if rd.BareThroughput.PerSecond <= 0 || rd.CaseThroughput.PerSecond <= 0 || rd.CaseLatency.P99ms <= 0 || rd.BareLatency.P50ms <= 0 {
		t.Errorf("round %+v", rd)
	}
	if rd.Timers.Cases == 0 || rd.Timers.BreachMaxs < 0 || rd.Timers.WarningMaxs < 0 {
		t.Errorf("timers fired early or were not measured: %+v", rd.Timers)
	}
	for _, a := range []Actions{rep.Actions, rep.NextPostActions} {
		sum := a.Queries
		for _, lines := range a.PerFlow {
			for _, l := range lines {
				if l.Billed {
					sum += l.Count
				}
			}
		}
		if a.Total < 5 || a.Total != sum { // at least a start, triage and three updates
			t.Errorf("%s: actions %d, per-workflow lines add up to %d", a.Journey, a.Total, sum)
		}
	}
	// No journey for the customer's first post; their next post (no
	// query answered) starts it, once.
	if next := rep.NextPostActions; next.Queries != 0 {
		t.Errorf("next post: %d queries answered", next.Queries)
	}
	journeyStarts := func(a Actions) int {
		n := 0
		for id, lines := range a.PerFlow {
			for _, l := range lines {
				if strings.HasPrefix(id, "journey/") && l.Category == ActWorkflowStarted {
					n += l.Count
				}
			}
		}
		return n
	}
	if first, next := journeyStarts(rep.Actions), journeyStarts(rep.NextPostActions); first != 0 || next != 1 {
		t.Errorf("journey starts: %d for the first post (want none), %d for the next (want 1)", first, next)
	}
	if m := rep.Memory; m == nil || m.RSSMB <= 0 || m.IdleRSSMB <= 0 || m.HeapInuseMB <= 0 {
		t.Errorf("memory %+v", rep.Memory)
	}
	if len(rep.Targets) != 5 { // actions, throughput, p99, timers, memory
		t.Errorf("targets %+v", rep.Targets)
	}
	out := filepath.Join(dir, "report")
	if err := rep.Write(out, "switchboard bench (test)"); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "bench-report.md"))
	if err != nil || !strings.Contains(string(md), "## Targets") {
		t.Errorf("markdown report: %v\n%s", err, md)
	}
	if _, err := os.Stat(filepath.Join(out, "bench-report.json")); err != nil {
		t.Error(err)
	}
	t.Logf("\n%s", md)
}

// TestOpeningAt checks the scale step's calendar at every hour of the day:
// closed before the opening (as far back as the step may start), open from
// it, and a target counted from the opening.
func TestOpeningAt(t *testing.T) {
	day := time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC)
	for h := range 24 {
		at := day.Add(time.Duration(h)*time.Hour + 17*time.Minute + 30*time.Second)
		spec, opens := openingAt(at)
		if want := at.Truncate(time.Minute).Add(time.Minute); !opens.Equal(want) {
			t.Fatalf("%s: opens %s, want %s", at, opens, want)
		}
		cal, err := businesshours.New(spec)
		if err != nil {
			t.Fatalf("%s: %+v: %v", at, spec, err)
		}
		for _, before := range []time.Duration{time.Second, time.Hour, maxScaleOpensAfter} {
			if from := opens.Add(-before); cal.IsOpen(from) || !cal.Add(from, 10*time.Minute).Equal(opens.Add(10*time.Minute)) {
				t.Errorf("%s (%+v): from %s before the opening, due %s", at, spec, before, cal.Add(from, 10*time.Minute))
			}
		}
		if !cal.IsOpen(opens) {
			t.Errorf("%s (%+v): closed at the opening", at, spec)
		}
	}
}
