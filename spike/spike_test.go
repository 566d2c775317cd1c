package spike_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/spike"
)

// start is a Monday at midnight UTC.
var start = time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC)

// background is a property's ordinary traffic: posts at a rate with a
// daily rhythm (a few an hour at night, about sixty in the evening), a
// usual mix of intents and the words customers use every day.
type background struct {
	rng *rand.Rand
	n   int
}

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

// posts are the background's posts from from to to, in order.
func (b *background) posts(from, to time.Time) []spike.Post {
	var out []spike.Post
	for t := from; t.Before(to); {
		t = t.Add(time.Duration(b.rng.ExpFloat64() / 60 * float64(time.Hour))) // a Poisson process at the peak rate …
		if b.rng.Float64() > rate(t)/56 {                                      // … thinned to the hour's
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

// Three weeks of ordinary traffic raise no alert once the baseline has a
// day; an outage — complaints sharing a word, four a minute on top of
// the ordinary — raises one within five minutes that says why and lists
// the cases.
func TestAnOutageIsCaughtAndTheBackgroundIsNot(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("traffic ", seed), func(t *testing.T) { outageOnBackground(t, seed) })
	}
}

func outageOnBackground(t *testing.T, seed uint64) {
	d := spike.New("x:@acme_help", spike.DefaultOptions())
	bg := &background{rng: rand.New(rand.NewPCG(seed, 11))}
	weeks := start.Add(21 * 24 * time.Hour)
	posts := 0
	for _, p := range bg.posts(start, weeks) {
		posts++
		for _, a := range d.Observe(p) {
			t.Errorf("the background raised an alert on day %d at %s: %s", int(a.At.Sub(start).Hours()/24)+1, a.At.Format("15:04"), a.Why)
		}
	}
	t.Logf("%d background posts over three weeks", posts)

	burst := weeks.Add(15 * time.Hour) // a Monday afternoon, the busiest hours
	stream := bg.posts(weeks, burst.Add(time.Hour))
	for i := range 120 { // thirty minutes of an outage
		at := burst.Add(time.Duration(i) * 15 * time.Second)
		stream = append(stream, spike.Post{CaseID: fmt.Sprintf("case/x/outage-%d", i), At: at, Intent: "complaint", Negative: true,
			Text: []string{"is the app down? outage again", "app outage, cannot log in", "total outage here too", "outage?? nothing loads"}[i%4]})
	}
	sortByTime(stream)
	var first *spike.Alert
	for _, p := range stream {
		for _, a := range d.Observe(p) {
			if a.At.Before(burst) {
				t.Errorf("an alert before the outage: %s", a.Why)
				continue
			}
			if first == nil {
				first = &a
			}
		}
	}
	if first == nil {
		t.Fatal("the outage raised no alert")
	}
	if after := first.At.Sub(burst); after > 5*time.Minute {
		t.Errorf("the first alert came %s after the outage began: %s", after, first.Why)
	}
	if !strings.Contains(first.Why, "x:@acme_help") || !strings.Contains(first.Why, "probability") || len(first.Cases) < 8 {
		t.Errorf("the alert does not say why or which cases: %+v", first)
	}
	t.Logf("first alert %s after the outage began: %s", first.At.Sub(burst), first.Why)
}

func sortByTime(posts []spike.Post) {
	for i := 1; i < len(posts); i++ {
		for j := i; j > 0 && posts[j].At.Before(posts[j-1].At); j-- {
			posts[j], posts[j-1] = posts[j-1], posts[j]
		}
	}
}

// The state stays bounded whatever the words: a year of posts each with
// words never seen again keeps at most MaxTerms terms, and hours only as
// far back as the baseline.
func TestTheStateIsBounded(t *testing.T) {
	opt := spike.DefaultOptions()
	d := spike.New("x:@acme_help", opt)
	for i := range 20000 {
		d.Observe(spike.Post{CaseID: fmt.Sprint(i), At: start.Add(time.Duration(i) * 26 * time.Minute), Intent: "complaint", Negative: true,
			Text: fmt.Sprintf("zzq%dalpha zzq%dbeta", i, i)})
	}
	terms, hours := 0, 0
	for k, s := range d.Series {
		if strings.HasPrefix(k, "term ") {
			terms++
		}
		hours = max(hours, len(s.Hours))
	}
	if terms > opt.MaxTerms || hours > 24*opt.Days+2 {
		t.Errorf("%d terms (at most %d), %d hours in a series (at most %d)", terms, opt.MaxTerms, hours, 24*opt.Days+2)
	}
}

func TestTerms(t *testing.T) {
	got := spike.Terms("Doesn’t LOAD: outage, outage!! '''' 停电了整个城市都没有电真的很糟糕了请尽快修复谢谢你们")
	if strings.Join(got, ",") != "load,outage" { // doesn't is too common to name a cause; the apostrophe keeps it one word
		t.Errorf("terms %q", got)
	}
}
