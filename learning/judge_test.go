package learning

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	base := Figures{Posts: 100, Intent: 0.80, Dept: 0.90, SpamFP: 0.01, WorstHighStakes: 0.9}
	with := func(f func(*Figures)) Figures { c := base; f(&c); return c }
	for _, tc := range []struct {
		name      string
		candidate Figures
		promote   bool
		reason    string
	}{
		{"the same", base, true, "not worse overall"},
		{"better intent", with(func(f *Figures) { f.Intent = 0.85 }), true, "not worse"},
		{"intent gained more than department lost", with(func(f *Figures) { f.Intent, f.Dept = 0.84, 0.88 }), true, "not worse"},
		{"department lost more than intent gained", with(func(f *Figures) { f.Intent, f.Dept = 0.81, 0.85 }), false, "worse"},
		{"more customers closed as spam", with(func(f *Figures) { f.Intent, f.SpamFP = 0.95, 0.02 }), false, "spam false positives"},
		{"lower high-stakes precision", with(func(f *Figures) { f.Intent, f.WorstHighStakes = 0.95, 0.8 }), false, "high-stakes precision"},
		{"too few held out", with(func(f *Figures) { f.Posts, f.Intent = 10, 0.99 }), false, "fewer than the 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(Candidate{Current: base, Candidate: tc.candidate}, 20)
			if v.Promote != tc.promote || !strings.HasPrefix(v.Reason, tc.reason) && !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("%+v, want promote %t (%s)", v, tc.promote, tc.reason)
			}
		})
	}
}
