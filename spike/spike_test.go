package spike_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/spike"
	"github.com/switchboard-care/switchboard/spike/spiketest"
)

// start is a Monday at midnight UTC.
var start = time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC)

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
	bg := spiketest.NewBackground(seed)
	weeks := start.Add(21 * 24 * time.Hour)
	posts := 0
	for _, p := range bg.Posts(start, weeks) {
		posts++
		for _, a := range d.Observe(p) {
			t.Errorf("the background raised an alert on day %d at %s: %s", int(a.At.Sub(start).Hours()/24)+1, a.At.Format("15:04"), a.Why)
		}
	}
	t.Logf("%d background posts over three weeks", posts)

	burst := weeks.Add(15 * time.Hour)                                                                             // a Monday afternoon, the busiest hours
	stream := spiketest.Merge(bg.Posts(weeks, burst.Add(time.Hour)), spiketest.Outage(burst, 120, 15*time.Second)) // thirty minutes of an outage
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
