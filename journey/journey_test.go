package journey

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)

func ms(caseID string, seq int, at time.Duration, kind string) Milestone {
	return Milestone{CaseID: caseID, Seq: seq, At: t0.Add(at), Kind: kind}
}

func kinds(j Journey) string {
	var s string
	for _, m := range j.Timeline {
		s += fmt.Sprintf("%s#%d:%s ", m.CaseID, m.Seq, m.Kind)
	}
	return s
}

func TestRecordOrdersAndDeduplicates(t *testing.T) {
	var j Journey
	j.Record(CaseUpdate{Case: OpenCase{CaseID: "b", Since: t0.Add(time.Minute)}, Milestones: []Milestone{ms("b", 1, time.Minute, "opened")}})
	j.Record(CaseUpdate{Case: OpenCase{CaseID: "a", Since: t0}, Milestones: []Milestone{ms("a", 1, 0, "opened"), ms("a", 2, 2*time.Minute, "replied")}})
	j.Record(CaseUpdate{Case: OpenCase{CaseID: "a"}, Milestones: []Milestone{ms("a", 2, 2*time.Minute, "replied")}}) // delivered twice
	if got := kinds(j); got != "a#1:opened b#1:opened a#2:replied " {
		t.Fatalf("timeline %s", got)
	}
	j.Record(CaseUpdate{Case: OpenCase{CaseID: "b"}, Closed: true})
	if len(j.Open) != 1 || j.Open[0].CaseID != "a" {
		t.Fatalf("open %v", j.Open)
	}
}

func TestAbsorbInterleavesTimelines(t *testing.T) {
	x := Journey{CustomerID: "x:u1"}
	x.Record(CaseUpdate{Case: OpenCase{CaseID: "x1", Since: t0}, Milestones: []Milestone{ms("x1", 1, 0, "opened"), ms("x1", 2, 3*time.Minute, "resolved")}, Closed: true})
	fb := Journey{CustomerID: "facebook:9"}
	fb.Record(CaseUpdate{Case: OpenCase{CaseID: "f1", Since: t0.Add(time.Minute), Department: "support"}, Milestones: []Milestone{ms("f1", 1, time.Minute, "opened")}})
	x.Absorb(fb)
	if got := kinds(x); got != "x1#1:opened f1#1:opened x1#2:resolved " {
		t.Fatalf("merged %s", got)
	}
	if len(x.Aliases) != 1 || x.Aliases[0] != "facebook:9" {
		t.Fatalf("aliases %v", x.Aliases)
	}
	if latest, ok := Latest(x.Open, ""); !ok || latest.CaseID != "f1" {
		t.Fatalf("latest %v", latest)
	}
	if _, ok := Latest(x.Open, "f1"); ok {
		t.Fatal("Latest returned the excluded case")
	}
	x.Record(CaseUpdate{Case: OpenCase{CaseID: "x2", Since: t0.Add(time.Hour), Assignee: "sam"}})
	x.Record(CaseUpdate{Case: OpenCase{CaseID: "x3", Since: t0.Add(2 * time.Hour)}})
	if latest, _ := Latest(x.Open, "x9"); latest.CaseID != "x2" {
		t.Fatalf("latest %v, want the newest case with an assignee", latest.CaseID)
	}

}

func TestCheckLink(t *testing.T) {
	j := Journey{CustomerID: "x:u1"}
	if err := j.CheckLink("x:u1"); err == nil {
		t.Fatal("linked to itself")
	}
	if err := j.CheckLink("facebook:9"); err != nil {
		t.Fatal(err)
	}
	j.MergedInto = "instagram:3"
	if err := j.CheckLink("facebook:9"); err == nil {
		t.Fatal("linked into a journey that was merged away")
	}
}

func TestAViewerSeesOtherDepartmentsCasesOnlyAsTheirDepartment(t *testing.T) {
	at := time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)
	j := Journey{CustomerID: "x:jane", Aliases: []string{"facebook:77"},
		Timeline: []Milestone{
			{At: at, CaseID: "case/x/1", Seq: 1, Kind: "opened", Department: "support", Text: "my order"},
			{At: at.Add(time.Minute), CaseID: "case/x/2", Seq: 1, Kind: "opened", Department: "support", Text: "I will sue"},
			{At: at.Add(2 * time.Minute), CaseID: "case/x/2", Seq: 2, Kind: "handed_off", Department: "legal"},
			{At: at.Add(3 * time.Minute), CaseID: "case/x/3", Seq: 1, Kind: "opened", Text: "no department recorded"},
			{At: at.Add(4 * time.Minute), CaseID: "case/x/1", Seq: 2, Kind: "resolved", Department: "support"},
		},
		Open: []OpenCase{{CaseID: "case/x/2", Department: "legal"}, {CaseID: "case/x/4", Department: "pr"}},
	}
	seen, withheld := j.SeenBy(func(d string) bool { return d == "support" })
	if !slices.Equal(withheld, []string{"legal", "", "pr"}) {
		t.Fatalf("withheld %q", withheld)
	}
	if len(seen.Timeline) != 2 || seen.Timeline[0].CaseID != "case/x/1" || seen.Timeline[1].CaseID != "case/x/1" || len(seen.Open) != 0 {
		t.Fatalf("seen %+v", seen)
	}
	if seen.CustomerID != "x:jane" || len(j.Timeline) != 5 || len(j.Open) != 2 {
		t.Fatal("the journey itself changed")
	}
	if seen, withheld := j.SeenBy(func(string) bool { return true }); len(withheld) != 0 || len(seen.Timeline) != 5 {
		t.Fatalf("an all-seeing viewer misses %q", withheld)
	}
}
