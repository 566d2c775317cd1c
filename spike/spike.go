// Package spike notices when many customers write about one thing at once:
// per property, it counts the triaged posts — all of them, the negative
// ones, each intent, and the words the negative ones share — and compares
// the last few minutes with the same minutes of the day over the last
// weeks, so the daily rhythm (busy evenings, quiet nights) is the baseline
// rather than a fixed threshold. A count far above what that baseline
// makes likely (a Poisson tail) is a spike. It is plain Go and
// deterministic: its caller feeds it a property's posts in time order.
package spike

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"gonum.org/v1/gonum/stat/distuv"
)

// Options are the thresholds and the baseline.
type Options struct {
	// Window is how far back "now" counts: the posts of the last Window.
	Window time.Duration `json:"window"`
	// Days of history the baseline averages, the same time of day on each;
	// a property with fewer than MinDays of history raises no alert yet.
	Days    int `json:"days"`
	MinDays int `json:"min_days"`
	// MinPosts is the fewest posts in the window that can be a spike,
	// however quiet the baseline.
	MinPosts int `json:"min_posts"`
	// Surprise is how unlikely the window's count must be under the
	// baseline (the Poisson probability of as many or more) to be a spike.
	Surprise float64 `json:"surprise"`
	// Floor is the least a window is expected to hold, so a series that
	// was silent at this hour is not surprised by two posts.
	Floor float64 `json:"floor"`
	// MaxTerms bounds the words a property follows (the most frequent in
	// negative posts stay), which bounds the detector's state.
	MaxTerms int `json:"max_terms"`
	// Quiet is how long a spike's series must stay under the threshold
	// before it can fire again.
	Quiet time.Duration `json:"quiet"`
}

// DefaultOptions suit a brand's social accounts: a 15-minute window over
// two weeks of history.
func DefaultOptions() Options {
	return Options{Window: 15 * time.Minute, Days: 14, MinDays: 3, MinPosts: 8, Surprise: 1e-6, Floor: 0.5, MaxTerms: 300, Quiet: 2 * time.Hour}
}

// Post is what the detector learns of a triaged post.
type Post struct {
	CaseID   string    `json:"case_id"`
	At       time.Time `json:"at"`
	Intent   string    `json:"intent"`
	Negative bool      `json:"negative"`          // a complaint, or a sentiment below the policy's negative mark
	Text     string    `json:"text"`              // redacted: its words are the terms
	Private  bool      `json:"private,omitempty"` // a private message, not a public post
}

// Alert is a spike: what series, how many posts against how many
// expected, and why that is a spike.
type Alert struct {
	Property string    `json:"property"`
	Series   string    `json:"series"` // "all", "negative", "intent complaint", "term outage"
	At       time.Time `json:"at"`
	Observed int       `json:"observed"`
	Expected float64   `json:"expected"`
	P        float64   `json:"p"` // the chance of Observed or more under the baseline
	Why      string    `json:"why"`
	Cases    []string  `json:"cases"` // the window's posts' cases, oldest first
}

// Detector watches one property's posts.
type Detector struct {
	Property string             `json:"property"`
	Options  Options            `json:"options"`
	Series   map[string]*Series `json:"series"`
	Started  time.Time          `json:"started"` // the first post seen: the baseline's history starts here
	PrunedAt time.Time          `json:"pruned_at,omitzero"`
}

// pruneEvery is how often (in the posts' time) every series forgets what
// it no longer needs; between, only the series a post touches do.
const pruneEvery = 10 * time.Minute

// Series is one count over time: hourly totals for the baseline, and the
// window's posts.
type Series struct {
	// Hours are the counts of the hours of the last Days that had posts,
	// by hour since the Unix epoch: most series are quiet most hours, so
	// the state stays small.
	Hours map[int64]int `json:"hours"`
	// Recent are the posts of the last Window (and a little more).
	Recent []Seen `json:"recent"`
	// FiredAt is when the series last fired; it fires again only after
	// it was quiet for Options.Quiet.
	FiredAt time.Time `json:"fired_at,omitzero"`
	AboveAt time.Time `json:"above_at,omitzero"` // the last time it was over the threshold
}

// Seen is a post in a series' window.
type Seen struct {
	At     time.Time `json:"at"`
	CaseID string    `json:"case_id"`
}

// New is a detector for property.
func New(property string, opt Options) *Detector {
	return &Detector{Property: property, Options: opt, Series: map[string]*Series{}}
}

// Observe counts a post and returns the spikes it completes.
func (d *Detector) Observe(p Post) []Alert {
	if d.Started.IsZero() {
		d.Started = p.At
	}
	var alerts []Alert
	for _, k := range SeriesOf(p) {
		s := d.series(k)
		s.add(p, d.Options)
		if a, ok := d.check(k, s, p.At); ok {
			alerts = append(alerts, a)
		}
	}
	d.prune(p.At)
	return alerts
}

// SeriesOf are the series a post counts in: all posts, its intent, and
// when it is negative, the negative ones and each of its terms.
func SeriesOf(p Post) []string {
	keys := []string{"all", "intent " + p.Intent}
	if p.Negative {
		keys = append(keys, "negative")
		for _, t := range Terms(p.Text) {
			keys = append(keys, "term "+t)
		}
	}
	return keys
}

// Specificity ranks a series: a term (3) names a cause more closely than
// an intent (2), negative posts (1) or all of them (0).
func Specificity(series string) int {
	switch {
	case strings.HasPrefix(series, "term "):
		return 3
	case strings.HasPrefix(series, "intent "):
		return 2
	case series == "negative":
		return 1
	}
	return 0
}

// Narrowest are the most specific of series. An outage's word fires with
// the negative posts it swells; its incident is about the word, and the
// other complaints of the hour are not.
func Narrowest(series []string) []string {
	best := -1
	var out []string
	for _, s := range series {
		switch r := Specificity(s); {
		case r > best:
			best, out = r, []string{s}
		case r == best && !slices.Contains(out, s):
			out = append(out, s)
		}
	}
	return out
}

// InSeries says whether the post counts in the series.
func InSeries(p Post, series string) bool { return slices.Contains(SeriesOf(p), series) }

func (d *Detector) series(key string) *Series {
	s := d.Series[key]
	if s == nil {
		s = &Series{Hours: map[int64]int{}}
		d.Series[key] = s
	}
	return s
}

func (s *Series) add(p Post, opt Options) {
	s.Hours[p.At.Unix()/3600]++
	s.Recent = append(s.Recent, Seen{At: p.At, CaseID: p.CaseID})
	s.forget(p.At, opt)
}

// forget drops what is older than the baseline and the window at now.
func (s *Series) forget(now time.Time, opt Options) {
	h := now.Unix() / 3600
	maps.DeleteFunc(s.Hours, func(hour int64, _ int) bool { return hour < h-int64(24*opt.Days)-1 })
	cut := now.Add(-opt.Window)
	s.Recent = slices.DeleteFunc(s.Recent, func(r Seen) bool { return !r.At.After(cut) })
}

// weight is how busy a series has been: its window, then its history.
func (s *Series) weight() (int, int) {
	total := 0
	for _, n := range s.Hours {
		total += n
	}
	return len(s.Recent), total
}

// Expected is how many posts the series' baseline expects in the window
// ending at: the mean, over the days of history, of the count in the hour
// of the same time of day and the hours either side (three samples a day,
// which a smooth daily rhythm allows, steady where one would be noisy),
// scaled to the window.
func (d *Detector) Expected(key string, at time.Time) float64 {
	s := d.Series[key]
	days := d.history(at)
	if s == nil || days < 1 {
		return d.Options.Floor
	}
	h := at.Unix() / 3600
	var total float64
	for day := 1; day <= days; day++ {
		for _, dh := range []int64{-1, 0, 1} {
			total += float64(s.Hours[h-int64(24*day)+dh])
		}
	}
	perHour := total / float64(3*days)
	return max(d.Options.Floor, perHour*d.Options.Window.Hours())
}

// history is how many whole days of posts the baseline has at at, up to
// Days.
func (d *Detector) history(at time.Time) int {
	return min(d.Options.Days, int(at.Sub(d.Started)/(24*time.Hour)))
}

// check says whether the series is a spike at now, once per burst.
func (d *Detector) check(key string, s *Series, now time.Time) (Alert, bool) {
	history := d.history(now) >= d.Options.MinDays
	observed := len(s.Recent)
	expected := d.Expected(key, now)
	// P(X ≥ observed) for a Poisson of mean expected.
	p := distuv.Poisson{Lambda: expected}.Survival(float64(observed - 1))
	if !history || observed < d.Options.MinPosts || p >= d.Options.Surprise {
		return Alert{}, false
	}
	quietSince := s.AboveAt
	s.AboveAt = now
	if !s.FiredAt.IsZero() && now.Sub(quietSince) < d.Options.Quiet {
		return Alert{}, false
	}
	s.FiredAt = now
	cases := make([]string, len(s.Recent))
	for i, r := range s.Recent {
		cases[i] = r.CaseID
	}
	days := d.history(now)
	return Alert{Property: d.Property, Series: key, At: now, Observed: observed, Expected: expected, P: p, Cases: cases,
		Why: fmt.Sprintf("%d posts (%s) on %s in the last %s, where the same time of day over the last %d days had %.1f on average: as many or more would happen by chance with probability %.1g (below %.0g)",
			observed, key, d.Property, d.Options.Window, days, expected, p, d.Options.Surprise)}, true
}

// prune forgets what every series no longer needs at now, and keeps the
// busiest MaxTerms terms (by their window, then their history): the rest
// have too few posts to make a spike soon, and the state stays bounded.
func (d *Detector) prune(now time.Time) {
	var terms []string
	for k := range d.Series {
		if strings.HasPrefix(k, "term ") {
			terms = append(terms, k)
		}
	}
	if len(terms) <= d.Options.MaxTerms && now.Sub(d.PrunedAt) < pruneEvery {
		return
	}
	d.PrunedAt = now
	for _, s := range d.Series {
		s.forget(now, d.Options)
	}
	if len(terms) <= d.Options.MaxTerms {
		return
	}
	slices.SortFunc(terms, func(a, b string) int {
		aw, ah := d.Series[a].weight()
		bw, bh := d.Series[b].weight()
		return cmp.Or(cmp.Compare(bw, aw), cmp.Compare(bh, ah), cmp.Compare(a, b))
	})
	for _, k := range terms[d.Options.MaxTerms:] {
		delete(d.Series, k)
	}
}

// maxTermRunes bounds a term: text without spaces (Chinese, Japanese)
// would otherwise make a sentence one term.
const maxTermRunes = 24

// Terms are the words of a post that can name a cause: letters only, four
// to maxTermRunes of them, lower case, each once, without the words every
// post uses.
func Terms(text string) []string {
	var out []string
	text = strings.ReplaceAll(strings.ToLower(text), "’", "'") // a typographic apostrophe is one
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.Trim(w, "'")
		if n := len([]rune(w)); n >= 4 && n <= maxTermRunes && !common[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// common are words too frequent in customers' posts to name a cause.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`this that with have from your what when will just been they them there their
		about would could should again still even also very really more much some than then into only over like
		does doesn't didn't can't won't isn't aren't don't it's i'm i've you're we're that's what's here where
		why how who which were being because while after before since until every other same such each
		please thanks thank help need want know think anyone someone something anything nothing time today`) {
		m[w] = true
	}
	return m
}()
