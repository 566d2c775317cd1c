// Package spiketest simulates a property's stream of triaged posts for
// the crisis watch's tests: an ordinary background with a daily rhythm,
// and an outage's burst of complaints sharing a word.
package spiketest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/spike"
)

// Background is a property's ordinary traffic: posts at a rate with a
// daily rhythm (a few an hour at night, about sixty in the afternoon), a
// usual mix of intents and the words customers use every day.
type Background struct {
	rng *rand.Rand
	n   int
}

// NewBackground is the background drawn from seed.
func NewBackground(seed uint64) *Background { return &Background{rng: rand.New(rand.NewPCG(seed, 11))} }

var (
	subjects = []string{"my order", "the app", "delivery", "the refund", "my account", "the kettle", "the store in leeds", "the basket page",
		"checkout", "the teapot", "my parcel", "the loyalty card", "the website", "customer service", "the heater"}
	complaints = []string{"is a disaster", "still not working", "broken again", "took three weeks", "charged me twice", "keeps crashing",
		"never arrived", "is so slow", "was rude", "arrived damaged"}
	others = []string{"how do i change", "when does it open", "love", "thanks for", "would be great with", "where can i find"}
)

// rate is posts per hour at t: lowest at 04:00, highest at 16:00.
func rate(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 30 + 26*math.Sin(2*math.Pi*(h-10)/24)
}

// Posts are the background's posts from from to to, in order.
func (b *Background) Posts(from, to time.Time) []spike.Post {
	var out []spike.Post
	for t := from; t.Before(to); {
		t = t.Add(time.Duration(b.rng.ExpFloat64() / 60 * float64(time.Hour))) // a Poisson process at the peak rate …
		if b.rng.Float64() > rate(t)/56 || !t.Before(to) {                     // … thinned to the hour's
			continue
		}
		b.n++
		subject := subjects[b.rng.IntN(len(subjects))]
		p := spike.Post{CaseID: fmt.Sprintf("case/x/bg-%d", b.n), At: t}
		switch r := b.rng.Float64(); {
		case r < 0.35:
			p.Intent, p.Negative, p.Text = "complaint", true, subject+" "+complaints[b.rng.IntN(len(complaints))]
		default:
			p.Intent, p.Text = []string{"question", "praise", "feedback", "other"}[b.rng.IntN(4)], others[b.rng.IntN(len(others))]+" "+subject
			p.Negative = b.rng.Float64() < 0.05
		}
		out = append(out, p)
	}
	return out
}

// Outage is n complaints from at, one every gap, that share the word
// "outage".
func Outage(at time.Time, n int, gap time.Duration) []spike.Post {
	texts := []string{"is the app down? outage again", "app outage, cannot log in", "total outage here too", "outage?? nothing loads"}
	out := make([]spike.Post, n)
	for i := range out {
		out[i] = spike.Post{CaseID: fmt.Sprintf("case/x/outage-%d", i), At: at.Add(time.Duration(i) * gap), Intent: "complaint", Negative: true,
			Text: texts[i%len(texts)]}
	}
	return out
}

// Merge is the posts of several streams in time order.
func Merge(streams ...[]spike.Post) []spike.Post {
	out := slices.Concat(streams...)
	slices.SortStableFunc(out, func(a, b spike.Post) int { return cmp.Compare(a.At.UnixNano(), b.At.UnixNano()) })
	return out
}
