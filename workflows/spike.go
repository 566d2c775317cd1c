package workflows

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/spike"
)

// Names of the crisis watch's messages.
const (
	SpikeWorkflowName    = "Spike"
	IncidentWorkflowName = "Incident"
	SignalSpikePost      = "spike-post"      // intake → spike: a new case's triaged post
	SignalIncidentJoin   = "incident-join"   // spike → incident: posts (and the spike) that belong to it
	SignalIncidentClosed = "incident-closed" // incident → spike: it is resolved, new posts no longer join
	QuerySpike           = "spike"
	QueryIncident        = "incident"
)

// SpikeID is the workflow id of a property's crisis watch.
func SpikeID(property string) string { return "spike/" + post.WorkflowSafe(property) }

// IncidentOptions are the crisis watch's configuration (incidents: in
// the configuration), which the worker holds: a change applies from the
// next post.
type IncidentOptions struct {
	Detector spike.Options  `json:"detector"`
	Rules    incident.Rules `json:"rules"`
	// SendsPerMinute paces a statement's delivery to member cases, below
	// the platforms' reply rate limits.
	SendsPerMinute int `json:"sends_per_minute"`
}

// SpikeInput starts (or continues) a property's watch.
type SpikeInput struct {
	Property string           `json:"property"`
	Detector *spike.Detector  `json:"detector,omitempty"`
	Open     *OpenIncident    `json:"open,omitempty"`
	Recent   []SpikePost      `json:"recent,omitempty"`
	Seen     []assertion.Seen `json:"seen,omitempty"`
	// PostsPerRun bounds the posts one run takes before it continues as
	// new; 0 means DefaultEventsPerRun.
	PostsPerRun int `json:"posts_per_run,omitempty"`
}

// OpenIncident is the property's incident still open: new posts in its
// series join it.
type OpenIncident struct {
	ID     string   `json:"id"`
	Series []string `json:"series"`
}

// SpikePost is a new case's post as the watch learns of it.
type SpikePost struct {
	spike.Post
	Proof string `json:"proof,omitempty"` // that intake sends it (package assertion)
}

// Freshness is how old a post may be and still count: an imported or
// long-delayed post is history, not a spike. The watch remembers the
// posts' tokens this long, and a replayed one is older.
const Freshness = time.Hour

// IncidentJoin is what the watch tells an open incident: posts that
// belong to it, and the spike that found them, if one did.
type IncidentJoin struct {
	Alert *spike.Alert `json:"alert,omitempty"`
	Posts []spike.Post `json:"posts"`
	Proof string       `json:"proof,omitempty"`
}

// IncidentClosed tells the watch its incident was resolved.
type IncidentClosed struct {
	ID    string `json:"id"`
	Proof string `json:"proof,omitempty"`
}

// maxRecent bounds the posts the watch keeps for an incident's samples.
const maxRecent = 500

// Spike watches one property's stream of triaged posts (package spike)
// and opens an incident when many customers write about one cause.
func (w *Workflows) Spike(ctx workflow.Context, in SpikeInput) (SpikeInput, error) {
	r := &spikeRun{w: w, in: in, signals: w.newSignalGate(in.Seen), limit: in.PostsPerRun}
	r.signals.keep = Freshness
	if r.limit <= 0 {
		r.limit = DefaultEventsPerRun
	}
	if r.in.Detector == nil {
		r.in.Detector = spike.New(in.Property, w.incidentOptions(ctx).Detector)
	}
	r.posts = workflow.GetSignalChannel(ctx, SignalSpikePost)
	r.closed = workflow.GetSignalChannel(ctx, SignalIncidentClosed)
	if err := workflow.SetQueryHandler(ctx, QuerySpike, func() (SpikeInput, error) { return r.in, nil }); err != nil {
		return r.in, err
	}
	for {
		if err := workflow.Await(ctx, func() bool { return r.posts.Len() > 0 || r.closed.Len() > 0 }); err != nil {
			return r.in, err
		}
		if err := r.drain(ctx); err != nil {
			return r.in, err
		}
		if r.taken >= r.limit || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := r.drain(ctx); err != nil {
				return r.in, err
			}
			r.in.Seen = r.signals.seen
			return r.in, workflow.NewContinueAsNewError(ctx, SpikeWorkflowName, r.in)
		}
	}
}

type spikeRun struct {
	w       *Workflows
	in      SpikeInput
	signals *signalGate
	posts   workflow.ReceiveChannel
	closed  workflow.ReceiveChannel
	limit   int
	taken   int
}

func (r *spikeRun) drain(ctx workflow.Context) error {
	for {
		var p SpikePost
		var c IncidentClosed
		switch {
		case r.closed.ReceiveAsync(&c):
			proof := c.Proof
			c.Proof = ""
			if r.signals.admit(ctx, SignalIncidentClosed, proof, c) && r.in.Open != nil && r.in.Open.ID == c.ID {
				r.in.Open = nil
			}
		case r.posts.ReceiveAsync(&p):
			proof := p.Proof
			p.Proof = ""
			now := workflow.Now(ctx)
			if !r.signals.admit(ctx, SignalSpikePost, proof, p) || now.Sub(p.At) > Freshness {
				break
			}
			// The watch's own clock, not intake's: posts from several
			// intakes arrive a little out of order, and the detector
			// counts in time order.
			p.At = now
			if err := r.observe(ctx, p); err != nil {
				return err
			}
		default:
			return nil
		}
		r.taken++
	}
}

// observe counts a post; a spike opens an incident, or joins the open one,
// and a post in the open incident's series joins it.
func (r *spikeRun) observe(ctx workflow.Context, p SpikePost) error {
	opt := r.w.incidentOptions(ctx)
	d := r.in.Detector
	d.Options = opt.Detector
	r.remember(p)
	alerts := d.Observe(p.Post)
	// The narrowest first: the incident a spike opens is about its cause.
	slices.SortStableFunc(alerts, func(a, b spike.Alert) int {
		return cmp.Compare(spike.Specificity(b.Series), spike.Specificity(a.Series))
	})
	for _, a := range alerts {
		workflow.GetLogger(ctx).Info("spike", "property", a.Property, "series", a.Series, "observed", a.Observed, "expected", a.Expected)
		if r.in.Open == nil {
			if err := r.open(ctx, a, r.postsOf(a.Cases, []string{a.Series}), opt); err != nil {
				return err
			}
			continue
		}
		r.in.Open.Series = spike.Narrowest(append(r.in.Open.Series, a.Series))
		members := r.postsOf(a.Cases, r.in.Open.Series)
		a.Cases = nil
		r.join(ctx, IncidentJoin{Alert: &a, Posts: members})
	}
	if len(alerts) == 0 && r.in.Open != nil && inAny(p.Post, r.in.Open.Series) {
		r.join(ctx, IncidentJoin{Posts: []spike.Post{p.Post}})
	}
	return nil
}

func inAny(p spike.Post, series []string) bool {
	return slices.ContainsFunc(series, func(s string) bool { return spike.InSeries(p, s) })
}

// remember keeps the window's posts, for the samples and members of an
// incident a spike opens.
func (r *spikeRun) remember(p SpikePost) {
	cut := p.At.Add(-r.in.Detector.Options.Window)
	r.in.Recent = slices.DeleteFunc(r.in.Recent, func(q SpikePost) bool { return !q.At.After(cut) })
	r.in.Recent = append(r.in.Recent, p)
	if n := len(r.in.Recent); n > maxRecent {
		r.in.Recent = r.in.Recent[n-maxRecent:]
	}
}

// postsOf are the window's posts of cases in any of series.
func (r *spikeRun) postsOf(cases []string, series []string) []spike.Post {
	var out []spike.Post
	for _, q := range r.in.Recent {
		if slices.Contains(cases, q.CaseID) && inAny(q.Post, series) {
			out = append(out, q.Post)
		}
	}
	return out
}

// open starts the incident of a spike; it lives on its own (the watch
// continues as new, the incident outlives it).
func (r *spikeRun) open(ctx workflow.Context, a spike.Alert, members []spike.Post, opt IncidentOptions) error {
	public := slices.ContainsFunc(members, func(q spike.Post) bool { return !q.Private })
	id := "incident/" + post.WorkflowSafe(r.in.Property) + "/" + strconv.FormatInt(a.At.Unix(), 10)
	inc := incident.Open(id, a, members, public, opt.Rules)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        id,
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:     "incident on " + r.in.Property + ": " + a.Series,
		StaticDetails:     a.Why,
	})
	child := workflow.ExecuteChildWorkflow(cctx, IncidentWorkflowName, IncidentInput{Incident: *inc, Spike: workflow.GetInfo(ctx).WorkflowExecution.ID})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		// Started before (a replay of this very spike cannot be: ids are
		// the spike's time); the spike is logged, the watch goes on.
		workflow.GetLogger(ctx).Error("incident did not start", "incident", id, "error", err)
		return nil
	}
	r.in.Open = &OpenIncident{ID: id, Series: []string{a.Series}}
	return nil
}

// join tells the open incident of posts that belong to it.
func (r *spikeRun) join(ctx workflow.Context, j IncidentJoin) {
	id := r.in.Open.ID
	j.Proof = r.w.signSignal(ctx, SenderSpike, id, SignalIncidentJoin, j)
	if err := workflow.SignalExternalWorkflow(ctx, id, "", SignalIncidentJoin, j).Get(ctx, nil); err != nil {
		// Gone (resolved and completed, its closing signal still on the
		// way): nothing joins it any more.
		workflow.GetLogger(ctx).Warn("incident did not take the posts", "incident", id, "error", err)
		r.in.Open = nil
	}
}

// incidentOptions are the worker's, recorded in the history so that a
// replay sees what the run saw, and again only when they change.
func (w *Workflows) incidentOptions(ctx workflow.Context) IncidentOptions {
	var opt IncidentOptions
	v := workflow.MutableSideEffect(ctx, "incident-options", func(workflow.Context) any { return w.Incidents },
		func(a, b any) bool { return a.(IncidentOptions) == b.(IncidentOptions) })
	if err := v.Get(&opt); err != nil {
		return w.Incidents
	}
	return opt
}
