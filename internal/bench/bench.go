// Package bench measures switchboard on a real Temporal dev server, side by
// side with a bare one-activity workflow on the same server: throughput and
// latency from post to owner assigned, billable actions per post, how late
// SLA timers fire under load, and the worker's memory with many open cases.
// Workers run as separate processes, so memory figures are the worker's.
// `switchboard bench` runs it; docs/performance.md explains the method.
package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-care/switchboard/bulkimport"
	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/workflows"
)

// Options sets the size of a run. The defaults keep a run to a few minutes
// on two cores.
type Options struct {
	Binary         string        // the switchboard binary workers are run from
	Dir            string        // scratch folder for servers, logs and data
	Rounds         int           // throughput and latency are measured this often; medians are reported
	Posts          int           // posts per throughput burst
	Concurrency    int           // submitters in a burst
	SteadyFor      time.Duration // length of the steady-rate latency phase
	TimerTarget    time.Duration // first-response target of the timer cases (warning at 75 %)
	OpenCases      int           // open cases for the memory step; 0 skips it
	OpenSubmitters int           // submitters for the memory step
	// ScaleTarget, when set, is the first-response target of the memory
	// step's cases, whose warnings and breaches are then waited for and
	// measured on a sample: timers firing at the rate the cases opened.
	ScaleTarget time.Duration
	// ScaleOpensAfter, when set with ScaleTarget, keeps support closed
	// until that long after the step starts, as a Monday morning does:
	// every case opened before then falls due at the same instant.
	ScaleOpensAfter time.Duration
	Backend         string // dev (the dev server) or postgres (the Temporal server on PostgreSQL, four processes)
	Progress        io.Writer
}

// DefaultOptions are the `switchboard bench` defaults.
func DefaultOptions() Options {
	return Options{Rounds: 3, Posts: 200, Concurrency: 32, SteadyFor: 10 * time.Second,
		TimerTarget: 6 * time.Second, OpenCases: 10000, OpenSubmitters: 64}
}

// Round is one round's figures; ratios are case over bare.
type Round struct {
	BareThroughput Throughput `json:"bare_throughput"`
	CaseThroughput Throughput `json:"case_throughput"`
	BareLatency    Latency    `json:"bare_latency"`
	CaseLatency    Latency    `json:"case_latency"`
	ThroughputX    float64    `json:"throughput_ratio"`
	P50X           float64    `json:"p50_ratio"`
	P99X           float64    `json:"p99_ratio"`
	Timers         Timers     `json:"timers"`
}

// Timers is how late SLA warnings and breaches were recorded by the
// cases, against their due times.
type Timers struct {
	Cases       int     `json:"cases"`
	WarningP50s float64 `json:"warning_late_p50_s"`
	WarningMaxs float64 `json:"warning_late_max_s"`
	BreachP50s  float64 `json:"breach_late_p50_s"`
	BreachMaxs  float64 `json:"breach_late_max_s"`
}

// Actions is the billable actions of one scripted post.
type Actions struct {
	Journey       string                  `json:"journey"`
	PerFlow       map[string][]ActionLine `json:"per_workflow"`
	Queries       int                     `json:"queries_answered_by_workers"`
	Total         int                     `json:"total_billable"`
	CaseEvents    int                     `json:"case_history_events"`
	JourneyEvents int                     `json:"journey_history_events"` // the whole journey's, after this post
}

// Memory is the worker process with many open cases.
type Memory struct {
	OpenCases       int     `json:"open_cases"`
	SubmitSeconds   float64 `json:"submit_seconds"`
	IdleRSSMB       float64 `json:"idle_rss_mb"`
	RSSMB           float64 `json:"rss_mb"`
	HeapInuseMB     float64 `json:"heap_inuse_mb"`
	Goroutines      float64 `json:"goroutines"`
	CachedWorkflows int     `json:"cached_workflows"`
	// Timers of a sample of the open cases, with ScaleTarget.
	Timers *Timers `json:"timers,omitempty"`
}

// Report is a whole run.
type Report struct {
	StartedAt time.Time `json:"started_at"`
	Seconds   float64   `json:"seconds"`
	Machine   string    `json:"machine"`
	Backend   string    `json:"backend"`
	Options   struct {
		Rounds, Posts, Concurrency, OpenCases int
		SteadyForSeconds, TimerTargetSeconds  float64
		ScaleTargetSeconds                    float64 `json:",omitempty"`
		ScaleOpensAfterSeconds                float64 `json:",omitempty"`
	} `json:"options"`
	Rounds  []Round `json:"rounds"`
	Median  Round   `json:"median"`
	Actions Actions `json:"actions"` // a new customer's post
	// NextPostActions is the same customer's next post.
	NextPostActions Actions  `json:"next_post_actions"`
	Memory          *Memory  `json:"memory,omitempty"`
	Targets         []Target `json:"targets"`
}

// Target is one goal of the issue and whether this run met it.
type Target struct {
	Name  string  `json:"name"`
	Goal  string  `json:"goal"`
	Value float64 `json:"value"`
	Met   bool    `json:"met"`
}

// Run measures everything and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	rep := &Report{StartedAt: time.Now().UTC(), Backend: cmp.Or(o.Backend, "dev"),
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())}
	rep.Options.Rounds, rep.Options.Posts, rep.Options.Concurrency, rep.Options.OpenCases = o.Rounds, o.Posts, o.Concurrency, o.OpenCases
	rep.Options.SteadyForSeconds, rep.Options.TimerTargetSeconds = o.SteadyFor.Seconds(), o.TimerTarget.Seconds()
	rep.Options.ScaleTargetSeconds, rep.Options.ScaleOpensAfterSeconds = o.ScaleTarget.Seconds(), o.ScaleOpensAfter.Seconds()
	if o.ScaleOpensAfter > maxScaleOpensAfter {
		return nil, fmt.Errorf("the scale step's opening is at most %s away, not %s", maxScaleOpensAfter, o.ScaleOpensAfter)
	}
	say := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }

	queries := &QueryCounter{}
	s, w, err := startWithWorker(ctx, stack.Options{Dir: filepath.Join(o.Dir, "main"), Backend: o.Backend, Interceptors: []interceptor.ClientInterceptor{queries}}, o.Binary)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	defer w.Stop()
	bare, err := s.StartProcess(ctx, stack.ProcessOptions{Binary: o.Binary, Args: []string{"bench", "bare-worker"}, TaskQueue: BareTaskQueue, Name: "bare-worker"})
	if err != nil {
		return nil, err
	}
	defer bare.Stop()
	say("%s server %s, case worker pid %d, bare worker pid %d", rep.Backend, s.Server.Address, w.Pid(), bare.Pid())

	timerClient := withPolicy(s.Cases, func(p *policy.Policy) {
		d := p.Departments["support"]
		t := d.Targets[policy.P3]
		t.FirstResponse = o.TimerTarget
		d.Targets[policy.P3] = t
	})
	for r := range o.Rounds {
		round, err := runRound(ctx, s, timerClient, o, r, say)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", r+1, err)
		}
		rep.Rounds = append(rep.Rounds, round)
	}
	if len(rep.Rounds) > 0 { // --rounds 0 measures the actions (and memory) alone
		rep.Median = medianRound(rep.Rounds)
	}

	say("scripted posts: triage → claim → reply → resolve (the run completes)")
	if rep.Actions, rep.NextPostActions, err = scriptedPosts(ctx, s, w, queries); err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	say("  %d billable actions for a new customer's post, %d for their next", rep.Actions.Total, rep.NextPostActions.Total)
	_ = w.Stop()
	_ = bare.Stop()
	s.Close()

	if o.OpenCases > 0 {
		if rep.Memory, err = memoryStep(ctx, o, say); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
	}
	rep.Targets = targets(rep)
	rep.Seconds = time.Since(rep.StartedAt).Seconds()
	return rep, nil
}

// startWithWorker starts a dev server and a `switchboard worker` process
// from bin on it.
func startWithWorker(ctx context.Context, opts stack.Options, bin string) (*stack.Stack, *stack.Process, error) {
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	w, err := s.StartWorkerProcess(ctx, bin)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, w, nil
}

// withPolicy is a case client whose new cases start with a changed policy.
func withPolicy(c *caseapi.Client, change func(*policy.Policy)) *caseapi.Client {
	cfg, err := config.Default() // a fresh copy: the policy's maps are not shared
	if err != nil {
		panic(err) // the embedded defaults are tested to load
	}
	change(&cfg.Policy)
	changed := *c
	changed.Policy = cfg.Policy
	return &changed
}

var questions = []string{
	"Is the Leeds store open on Sunday?",
	"What time does the Leeds store open on Sunday?",
	"Do you deliver to Ireland?",
	"Can I return a gift without the receipt?",
}

// benchPost is a question on @acme_help from a customer of its own: it
// triages to support, P3, assigned by claim (no dispatcher).
func benchPost(tag string, i int) post.Post {
	return post.Post{ID: fmt.Sprintf("%s-%d", tag, i), Platform: "x", Property: "@acme_help",
		Author:    post.Author{ID: fmt.Sprintf("%s-u%d", tag, i), Handle: fmt.Sprintf("@bench%d", i)},
		Text:      questions[i%len(questions)],
		CreatedAt: time.Now().UTC()}
}

func caseLoad(c *caseapi.Client, tag string) load {
	return load{name: "case " + tag,
		submit: func(ctx context.Context, i int) (string, error) {
			out, err := c.Submit(ctx, benchPost(tag, i))
			if err == nil && !out.Started {
				err = fmt.Errorf("post not started as a new case: %+v", out)
			}
			return out.CaseID, err
		},
		reached: opened}
}

// opened is the case's first workflow task done: the case is open with its
// owner, whom intake gave it at start.
func opened(e *historypb.HistoryEvent) bool {
	return e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
}

func bareLoad(tc client.Client, tag string) load {
	return load{name: "bare " + tag,
		submit: func(ctx context.Context, i int) (string, error) {
			id := fmt.Sprintf("bench/bare/%s-%d", tag, i)
			_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: BareTaskQueue}, BareWorkflowName, questions[i%len(questions)])
			return id, err
		},
		reached: func(e *historypb.HistoryEvent) bool {
			return e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
		}}
}

func runRound(ctx context.Context, s *stack.Stack, timerClient *caseapi.Client, o Options, r int, say func(string, ...any)) (Round, error) {
	var rd Round
	var err error
	tag := fmt.Sprintf("r%d", r+1)
	if rd.BareThroughput, err = burst(ctx, s.Temporal, bareLoad(s.Temporal, tag+"t"), o.Posts, o.Concurrency); err != nil {
		return rd, err
	}
	if rd.CaseThroughput, err = burst(ctx, s.Temporal, caseLoad(s.Cases, tag+"t"), o.Posts, o.Concurrency); err != nil {
		return rd, err
	}
	say("round %d: burst of %d: bare %.1f/s, case %.1f/s", r+1, o.Posts, rd.BareThroughput.PerSecond, rd.CaseThroughput.PerSecond)
	// Both latencies at one rate both sides sustain, so they compare
	// service time, not queueing.
	rate := 0.5 * min(rd.BareThroughput.PerSecond, rd.CaseThroughput.PerSecond)
	if rd.BareLatency, _, err = steady(ctx, s.Temporal, bareLoad(s.Temporal, tag+"l"), rate, o.SteadyFor, nil); err != nil {
		return rd, err
	}
	// Every fourth case early in the phase has a short first-response
	// target, so its warning and breach fall due while the load goes on.
	timers := caseLoad(timerClient, tag+"timer")
	var timerIDs []string
	pick := func(i int, at time.Duration) *load {
		if i%4 == 3 && at < o.SteadyFor-o.TimerTarget-time.Second {
			timerIDs = append(timerIDs, benchPost(tag+"timer", i).CaseID())
			return &timers
		}
		return nil
	}
	if rd.CaseLatency, _, err = steady(ctx, s.Temporal, caseLoad(s.Cases, tag+"l"), rate, o.SteadyFor, pick); err != nil {
		return rd, err
	}
	rd.ThroughputX = rd.CaseThroughput.PerSecond / rd.BareThroughput.PerSecond
	rd.P50X = rd.CaseLatency.P50ms / rd.BareLatency.P50ms
	rd.P99X = rd.CaseLatency.P99ms / rd.BareLatency.P99ms
	say("round %d: at %.1f/s: p50 bare %.0f ms, case %.0f ms; p99 bare %.0f ms, case %.0f ms",
		r+1, rate, rd.BareLatency.P50ms, rd.CaseLatency.P50ms, rd.BareLatency.P99ms, rd.CaseLatency.P99ms)
	if rd.Timers, err = timerLateness(ctx, timerClient, timerIDs, businesshours.AlwaysOpen(), o.TimerTarget, 2*time.Minute); err != nil {
		return rd, err
	}
	say("round %d: %d SLA timers: warning late p50 %.2fs max %.2fs, breach late p50 %.2fs max %.2fs", r+1,
		rd.Timers.Cases, rd.Timers.WarningP50s, rd.Timers.WarningMaxs, rd.Timers.BreachP50s, rd.Timers.BreachMaxs)
	return rd, nil
}

// timerLateness waits (at most wait) for each timer case's first-response
// warning and breach and measures them against their due times on
// support's calendar.
func timerLateness(ctx context.Context, c *caseapi.Client, ids []string, calendar *businesshours.Calendar, target, wait time.Duration) (Timers, error) {
	var warn, breach []float64
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	share := c.Policy.SLA.WarningShare
	for _, id := range ids {
		var w, b *casestate.Event
		err := eventually(ctx, 200*time.Millisecond, func() error {
			evs, err := c.Events(ctx, id)
			if err != nil {
				return err
			}
			if w, b = FirstResponseSLA(evs); w == nil || b == nil {
				return errors.New("no warning and breach yet")
			}
			return nil
		})
		if err != nil {
			return Timers{}, fmt.Errorf("timers of %s: %w", id, err)
		}
		wl, bl := Lateness(w, b, calendar, share, target)
		warn = append(warn, wl.Seconds())
		breach = append(breach, bl.Seconds())
	}
	if len(ids) == 0 {
		return Timers{}, errors.New("no timer cases: make the steady phase longer than the timer target")
	}
	slices.Sort(warn)
	slices.Sort(breach)
	return Timers{Cases: len(ids), WarningP50s: quantile(warn, 0.5), WarningMaxs: warn[len(warn)-1],
		BreachP50s: quantile(breach, 0.5), BreachMaxs: breach[len(breach)-1]}, nil
}

// FirstResponseSLA finds a case's first SLA warning and its first-response
// breach in its trail (nil until they happen).
func FirstResponseSLA(evs []casestate.Event) (warning, breach *casestate.Event) {
	for i := range evs {
		switch e := &evs[i]; {
		case e.Kind == casestate.EventWarning && warning == nil:
			warning = e
		case e.Kind == casestate.EventBreach && e.Clock == casestate.ClockFirstResponse && breach == nil:
			breach = e
		}
	}
	return warning, breach
}

// Lateness is how long after their due times a warning and a breach were
// recorded: the warning is due share × target of the calendar's working
// time after the clock started, the breach the whole target after it.
func Lateness(warning, breach *casestate.Event, calendar *businesshours.Calendar, share float64, target time.Duration) (warn, br time.Duration) {
	warnDue := calendar.Add(breach.ClockStarted, time.Duration(share*float64(target)))
	return warning.At.Sub(warnDue), breach.At.Sub(calendar.Add(breach.ClockStarted, target))
}

func medianRound(rs []Round) Round {
	pick := func(f func(Round) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	return Round{
		BareThroughput: Throughput{PerSecond: pick(func(r Round) float64 { return r.BareThroughput.PerSecond })},
		CaseThroughput: Throughput{PerSecond: pick(func(r Round) float64 { return r.CaseThroughput.PerSecond })},
		BareLatency:    Latency{P50ms: pick(func(r Round) float64 { return r.BareLatency.P50ms }), P99ms: pick(func(r Round) float64 { return r.BareLatency.P99ms })},
		CaseLatency:    Latency{P50ms: pick(func(r Round) float64 { return r.CaseLatency.P50ms }), P99ms: pick(func(r Round) float64 { return r.CaseLatency.P99ms })},
		ThroughputX:    pick(func(r Round) float64 { return r.ThroughputX }),
		P50X:           pick(func(r Round) float64 { return r.P50X }),
		P99X:           pick(func(r Round) float64 { return r.P99X }),
		Timers: Timers{
			WarningP50s: pick(func(r Round) float64 { return r.Timers.WarningP50s }),
			WarningMaxs: pick(func(r Round) float64 { return r.Timers.WarningMaxs }),
			BreachP50s:  pick(func(r Round) float64 { return r.Timers.BreachP50s }),
			BreachMaxs:  pick(func(r Round) float64 { return r.Timers.BreachMaxs }),
		},
	}
}

// scriptedPosts runs two posts of one customer through the script: their
// first (no journey: a one-post customer has none) and, once that case is
// resolved (its run completes), their next in a new thread (their journey
// starts, holding the first; continuity looks for an open case).
func scriptedPosts(ctx context.Context, s *stack.Stack, w *stack.Process, queries *QueryCounter) (first, next Actions, err error) {
	c := s.Cases
	const script = "x:@acme_help question → support (claim mode) → claim → reply → resolve (the run completes)"
	p := benchPost("journey", 1)
	if first, err = scriptedPost(ctx, s, c, w, queries, p, 0); err != nil {
		return first, next, err
	}
	first.Journey = "new customer, " + script
	p.ID, p.Text, p.CreatedAt = "journey-2", questions[2], time.Now().UTC()
	if next, err = scriptedPost(ctx, s, c, w, queries, p, first.JourneyEvents); err != nil {
		return first, next, err
	}
	next.Journey = "the same customer's next post, in a new thread, " + script
	return first, next, nil
}

// scriptedPost submits p, has the scripted agent answer it, waits until the
// case's run has completed and counts the billable actions of the case, of the
// customer's journey (if they have one) from its event journeyFrom on, and
// the queries that workers answered for it (the benchmark's client and the
// worker's own).
func scriptedPost(ctx context.Context, s *stack.Stack, c *caseapi.Client, w *stack.Process, queries *QueryCounter, p post.Post, journeyFrom int) (Actions, error) {
	clientBefore := queries.Count()
	workerBefore, err := answeredQueries(ctx, w)
	if err != nil {
		return Actions{}, err
	}
	out, err := c.Submit(ctx, p)
	if err != nil {
		return Actions{}, err
	}
	if _, err := waitReached(ctx, s.Temporal, out.CaseID, opened); err != nil {
		return Actions{}, err
	}
	if err := Answer(ctx, c, out.CaseID); err != nil {
		return Actions{}, err
	}
	if err := s.Temporal.GetWorkflow(ctx, out.CaseID, "").Get(ctx, nil); err != nil {
		return Actions{}, fmt.Errorf("case did not complete: %w", err)
	}
	workerAfter, err := answeredQueries(ctx, w)
	if err != nil {
		return Actions{}, err
	}
	act := Actions{PerFlow: map[string][]ActionLine{}, Queries: queries.Count() - clientBefore + workerAfter - workerBefore}
	caseHistory, err := History(ctx, s.Temporal, out.CaseID)
	if err != nil {
		return Actions{}, err
	}
	journeyHistory, err := History(ctx, s.Temporal, workflows.JourneyID(p.CustomerKey()))
	var none *serviceerror.NotFound
	if err != nil && !errors.As(err, &none) {
		return Actions{}, err
	}
	act.CaseEvents, act.JourneyEvents = len(caseHistory), len(journeyHistory)
	for id, h := range map[string][]*historypb.HistoryEvent{out.CaseID: caseHistory, workflows.JourneyID(p.CustomerKey()): journeyHistory[journeyFrom:]} {
		n := CountActions(h)
		act.PerFlow[id] = Lines(n)
		act.Total += Billable(n)
	}
	act.Total += act.Queries
	return act, nil
}

// answeredQueries is how many queries the worker process's client has had
// answered: its QueryWorkflow requests less the failed ones (a query of a
// missing workflow never reaches a worker and is not billed).
func answeredQueries(ctx context.Context, w *stack.Process) (int, error) {
	var n [2]float64
	for i, name := range []string{"temporal_request", "temporal_request_failure"} {
		v, err := w.Metric(ctx, name, "operation", "QueryWorkflow")
		if err != nil && !errors.Is(err, stack.ErrNoSeries) {
			return 0, err
		}
		n[i] = v
	}
	return int(n[0] - n[1]), nil
}

// Answer is the scripted agent: sam claims the case, replies and resolves
// it, each action one call that waits until a worker has taken it (never
// retried, so nothing is sent twice).
func Answer(ctx context.Context, c *caseapi.Client, id string) error {
	for _, step := range []struct {
		kind casestate.ActionKind
		a    casestate.Action
	}{
		{casestate.ActionClaim, casestate.Action{}},
		{casestate.ActionReply, casestate.Action{Text: "Yes: Sundays 10:00 to 16:00. Anything else we can help with?"}},
		{casestate.ActionResolve, casestate.Action{}},
	} {
		if _, err := c.Act(ctx, id, step.kind, "sam", step.a); err != nil {
			return fmt.Errorf("%s on %s: %w", step.kind, id, err)
		}
	}
	return nil
}

// memoryStep opens many cases waiting on their first-response timers, each
// from a new customer (so none with a journey), on a fresh server and
// worker process, then reads the worker's memory.
func memoryStep(ctx context.Context, o Options, say func(string, ...any)) (*Memory, error) {
	s, w, err := startWithWorker(ctx, stack.Options{Dir: filepath.Join(o.Dir, "memory"), Backend: o.Backend}, o.Binary)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	defer w.Stop()
	time.Sleep(2 * time.Second) // let start-up allocations settle before the idle reading
	// The worker process runs the embedded defaults, as the stack's client does.
	m := &Memory{OpenCases: o.OpenCases, CachedWorkflows: s.Config.Temporal.CachedWorkflows}
	idle, err := w.RSS()
	if err != nil {
		return nil, err
	}
	m.IdleRSSMB = mb(idle)
	say("memory: opening %d cases, idle worker RSS %.0f MB", o.OpenCases, m.IdleRSSMB)
	cases := s.Cases
	start := time.Now()
	if o.ScaleTarget > 0 {
		cases = withPolicy(s.Cases, func(p *policy.Policy) {
			d := p.Departments["support"]
			t := d.Targets[policy.P3]
			t.FirstResponse = o.ScaleTarget
			d.Targets[policy.P3] = t
			if o.ScaleOpensAfter > 0 {
				var opens time.Time
				d.Hours, opens = openingAt(start.Add(o.ScaleOpensAfter))
				say("memory: support opens at %s UTC: every case opened by then falls due at once", opens.Format(time.TimeOnly))
			}
			p.Departments["support"] = d
		})
	}
	calendar, err := businesshours.New(cases.Policy.Departments["support"].Hours)
	if err != nil {
		return nil, err
	}
	if o.ScaleOpensAfter > 0 && calendar.IsOpen(start) {
		return nil, errors.New("support's opening hours did not reach the cases' policy")
	}
	if err := openAll(ctx, s, cases, o, start, say); err != nil {
		return nil, err
	}
	m.SubmitSeconds = time.Since(start).Seconds()
	time.Sleep(3 * time.Second) // the last workflow tasks finish; the heap settles
	rss, err := w.RSS()
	if err != nil {
		return nil, err
	}
	m.RSSMB = mb(rss)
	heap, err := w.Metric(ctx, "go_memstats_heap_inuse_bytes")
	if err != nil {
		return nil, err
	}
	m.HeapInuseMB = mb(int64(heap))
	if m.Goroutines, err = w.Metric(ctx, "go_goroutines"); err != nil {
		return nil, err
	}
	say("memory: %d open cases in %.0fs; worker RSS %.0f MB, heap in use %.0f MB, %0.f goroutines",
		o.OpenCases, m.SubmitSeconds, m.RSSMB, m.HeapInuseMB, m.Goroutines)
	if o.ScaleTarget > 0 {
		// A sample spread evenly over the cases, in the order they opened.
		var sample []string
		for i := 0; i < o.OpenCases; i += max(1, o.OpenCases/scaleSample) {
			sample = append(sample, benchPost("mem", i).CaseID())
		}
		say("timers: waiting for the warnings and breaches of %d of the %d cases (target %s)", len(sample), o.OpenCases, o.ScaleTarget)
		wait := time.Until(calendar.Add(time.Now(), o.ScaleTarget)) + 20*time.Minute
		t, err := timerLateness(ctx, cases, sample, calendar, o.ScaleTarget, wait)
		if err != nil {
			return nil, err
		}
		m.Timers = &t
		say("timers: warning late p50 %.2fs max %.2fs, breach late p50 %.2fs max %.2fs", t.WarningP50s, t.WarningMaxs, t.BreachP50s, t.BreachMaxs)
	}
	return m, nil
}

// openAll submits o.OpenCases posts from o.OpenSubmitters submitters and
// waits until every case is open.
func openAll(ctx context.Context, s *stack.Stack, cases *caseapi.Client, o Options, start time.Time, say func(string, ...any)) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.OpenSubmitters)
	for i := range o.OpenCases {
		if gctx.Err() != nil {
			break // a submitter failed: the step stops with its error
		}
		g.Go(func() error {
			// As a platform would: again after a refusal (the customer's
			// look-up too slow for a server taking thousands of cases).
			_, err := bulkimport.Submit(gctx, cases, benchPost("mem", i), bulkimport.Options{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	query := "WorkflowType = '" + workflows.CaseWorkflowName + "' AND CaseStatus = 'open' AND ExecutionStatus = 'Running'"
	// The worker opens a few cases a second on two shared cores: the wait
	// grows with the cases (at least 5 a second), for a large scale step.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Minute+time.Duration(o.OpenCases)*200*time.Millisecond)
	defer cancel()
	last := time.Now()
	return eventually(wctx, time.Second, func() error {
		res, err := s.Temporal.CountWorkflow(wctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return err
		}
		if time.Since(last) > 30*time.Second {
			last = time.Now()
			say("memory: %d of %d cases open after %.0fs", res.GetCount(), o.OpenCases, time.Since(start).Seconds())
		}
		if int(res.GetCount()) < o.OpenCases {
			return fmt.Errorf("%d of %d cases open", res.GetCount(), o.OpenCases)
		}
		return nil
	})
}

// scaleSample is how many of the scale step's cases have their timers read.
const scaleSample = 300

// maxScaleOpensAfter bounds Options.ScaleOpensAfter: see openingAt.
const maxScaleOpensAfter = 12 * time.Hour

// openingAt is a calendar open every day from the first whole minute at or
// after at until midnight, in the whole-hour zone where that minute falls
// between 12:00 and 13:00, whatever the time the bench runs: the day's
// hours never wrap past midnight, and any moment up to maxScaleOpensAfter
// before it is the same local day, before the opening.
func openingAt(at time.Time) (businesshours.Spec, time.Time) {
	opens := at.UTC().Add(time.Minute - time.Nanosecond).Truncate(time.Minute)
	east := (12 - opens.Hour() + 24) % 24 // hours east of UTC
	if east > 12 {
		east -= 24
	}
	local := opens.Add(time.Duration(east) * time.Hour)
	// The Etc zones name the offset with the opposite sign (POSIX).
	return businesshours.Spec{TimeZone: fmt.Sprintf("Etc/GMT%+d", -east),
		Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: local.Format("15:04"), End: "24:00"}, opens
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func targets(r *Report) []Target {
	t := []Target{{Name: "billable actions per post (scripted journey, a new customer)", Goal: "≤ 8", Value: float64(r.Actions.Total), Met: r.Actions.Total <= 8}}
	if len(r.Rounds) > 0 {
		late := 0.0
		for _, rd := range r.Rounds {
			late = max(late, rd.Timers.WarningMaxs, rd.Timers.BreachMaxs)
		}
		t = append(t,
			Target{Name: "throughput, post to owner assigned", Goal: "≥ 0.8× bare", Value: r.Median.ThroughputX, Met: r.Median.ThroughputX >= 0.8},
			Target{Name: "p99 latency, post to owner assigned", Goal: "≤ 1.5× bare", Value: r.Median.P99X, Met: r.Median.P99X <= 1.5},
			Target{Name: "SLA timers under load, latest of all rounds (s)", Goal: "≤ 1 s late", Value: late, Met: late <= 1})
	}
	if r.Memory != nil {
		t = append(t, Target{Name: fmt.Sprintf("worker RSS with %d open cases (MB)", r.Memory.OpenCases), Goal: "< 300 MB", Value: r.Memory.RSSMB, Met: r.Memory.RSSMB < 300})
		if mt := r.Memory.Timers; mt != nil {
			late := max(mt.WarningMaxs, mt.BreachMaxs)
			t = append(t, Target{Name: fmt.Sprintf("SLA timers of %d open cases, latest of the sample (s)", r.Memory.OpenCases), Goal: "≤ 1 s late", Value: late, Met: late <= 1})
		}
	}
	return t
}

// ScratchDir makes a temporary folder for a run, in memory (/dev/shm)
// where there is one: the dev server's SQLite file syncs every write, and
// on a slow disk the benchmark would measure the disk, for the bare
// workflow and the case alike, instead of the design.
func ScratchDir() (string, error) {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return os.MkdirTemp("/dev/shm", "switchboard-bench-")
	}
	return os.MkdirTemp("", "switchboard-bench-")
}
