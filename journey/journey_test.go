package journey

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
)

var t0 = time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)

func ref(id string, since time.Duration) Case {
	return Case{CaseID: id, Channel: "x", Department: "support", Status: "open", Since: t0.Add(since)}
}

func ids(cases []Case) string {
	var s []string
	for _, c := range cases {
		state := "open"
		if c.Closed {
			state = "closed"
		}
		s = append(s, c.CaseID+":"+state)
	}
	return strings.Join(s, " ")
}

func TestRecordKeepsOneEntryPerCaseInOrder(t *testing.T) {
	var x Index
	x.Record(CaseUpdate{Case: ref("b", time.Minute)})
	x.Record(CaseUpdate{Case: ref("a", 0)})
	x.Record(CaseUpdate{Case: ref("a", 0)}) // delivered twice
	if got := ids(x.Cases); got != "a:open b:open" {
		t.Fatalf("cases %s", got)
	}
	closed := ref("b", time.Minute)
	closed.Steps, closed.Last = 7, "closed"
	x.Record(CaseUpdate{Case: closed, Closed: true})
	if got := ids(x.Cases); got != "a:open b:closed" || x.Cases[1].Steps != 7 {
		t.Fatalf("cases %s, %+v", got, x.Cases[1])
	}
	if latest, ok := Latest(x.Cases, ""); !ok || latest.CaseID != "a" {
		t.Fatalf("latest %v: a closed case was followed", latest)
	}
	x.Record(CaseUpdate{Case: ref("b", time.Minute)}) // reopened
	if got := ids(x.Cases); got != "a:open b:open" || x.Cases[1].Steps != 7 {
		t.Fatalf("after a reopen: cases %s, %+v", got, x.Cases[1])
	}
}

// However many cases a customer has, the index stays bounded: the oldest
// closed cases leave it first, open ones stay.
func TestTheIndexKeepsAtMostMaxCases(t *testing.T) {
	var x Index
	x.Record(CaseUpdate{Case: ref("open-oldest", 0)})
	for i := range MaxCases + 10 {
		x.Record(CaseUpdate{Case: ref(fmt.Sprintf("c%05d", i), time.Duration(i+1)*time.Minute), Closed: true})
	}
	if len(x.Cases) != MaxCases || x.Cases[0].CaseID != "open-oldest" || x.Cases[1].CaseID != "c00011" {
		t.Fatalf("%d cases, first %s then %s", len(x.Cases), x.Cases[0].CaseID, x.Cases[1].CaseID)
	}
	b, _ := json.Marshal(x)
	t.Logf("an index of %d cases is %d KiB", len(x.Cases), len(b)>>10)
}

func TestAbsorbJoinsCasesAndIdentities(t *testing.T) {
	x := Index{Identity: Identity{CustomerID: "x:u1"}}
	x.Record(CaseUpdate{Case: ref("x1", 0), Closed: true})
	fb := Index{Identity: Identity{CustomerID: "facebook:9", Aliases: []string{"instagram:3"}}}
	fb.Record(CaseUpdate{Case: ref("f1", time.Minute)})
	x.Absorb(fb)
	if got := ids(x.Cases); got != "x1:closed f1:open" {
		t.Fatalf("cases %s", got)
	}
	if !slices.Equal(x.Aliases, []string{"facebook:9", "instagram:3"}) {
		t.Fatalf("aliases %v", x.Aliases)
	}
	assigned := ref("x2", time.Hour)
	assigned.Assignee = "sam"
	x.Record(CaseUpdate{Case: assigned})
	x.Record(CaseUpdate{Case: ref("x3", 2*time.Hour)})
	if latest, _ := Latest(x.Cases, "x9"); latest.CaseID != "x2" {
		t.Fatalf("latest %v, want the newest case with an assignee", latest.CaseID)
	}
	if latest, _ := Latest(x.Cases, "x2"); latest.CaseID != "x3" {
		t.Fatalf("latest %v, want the newest other open case", latest.CaseID)
	}
}

// A journey recorded before the index carried every step of every case;
// read as an index, its cases are all there, open or closed, with their
// departments and step counts, and no texts.
func TestAJourneyFromBeforeTheIndexReadsAsOne(t *testing.T) {
	old := `{"customer_id":"x:u1","aliases":["facebook:9"],
	  "timeline":[
	    {"at":"2015-11-22T10:00:00Z","case_id":"case/x/1","seq":1,"kind":"opened","channel":"x","department":"support","text":"my order"},
	    {"at":"2015-11-22T10:01:00Z","case_id":"case/x/2","seq":1,"kind":"opened","channel":"x","department":"support","text":"I will sue"},
	    {"at":"2015-11-22T10:02:00Z","case_id":"case/x/2","seq":2,"kind":"handed_off","channel":"x","department":"legal"},
	    {"at":"2015-11-22T10:03:00Z","case_id":"case/x/1","seq":2,"kind":"closed","channel":"x","department":"support"}],
	  "open":[{"case_id":"case/x/2","channel":"x","department":"legal","status":"open","since":"2015-11-22T10:01:00Z"},
	          {"case_id":"case/x/3","channel":"x","department":"pr","status":"open","since":"2015-11-22T10:05:00Z"}]}`
	var x Index
	if err := json.Unmarshal([]byte(old), &x); err != nil {
		t.Fatal(err)
	}
	if got := ids(x.Cases); got != "case/x/1:closed case/x/2:open case/x/3:open" {
		t.Fatalf("cases %s", got)
	}
	if c := x.Cases[0]; c.Steps != 2 || c.Last != "closed" || c.Department != "support" {
		t.Fatalf("case/x/1 %+v", c)
	}
	if c := x.Cases[1]; c.Department != "legal" || c.Steps != 2 {
		t.Fatalf("case/x/2 %+v", c)
	}
	if x.CustomerID != "x:u1" || !slices.Equal(x.Aliases, []string{"facebook:9"}) {
		t.Fatalf("identity %+v", x.Identity)
	}
	if b, _ := json.Marshal(x); strings.Contains(string(b), "sue") {
		t.Fatalf("the index kept a text: %s", b)
	}
}

func TestCheckLink(t *testing.T) {
	x := Index{Identity: Identity{CustomerID: "x:u1"}}
	if err := x.CheckLink("x:u1"); err == nil {
		t.Fatal("linked to itself")
	}
	if err := x.CheckLink("facebook:9"); err != nil {
		t.Fatal(err)
	}
	x.MergedInto = "instagram:3"
	if err := x.CheckLink("facebook:9"); err == nil {
		t.Fatal("linked into a journey that was merged away")
	}
}

func TestTrailsInterleaveInTimeOrder(t *testing.T) {
	var j Journey
	ev := func(seq int, at time.Duration, kind casestate.EventKind) casestate.Event {
		return casestate.Event{Seq: seq, At: t0.Add(at), Kind: kind}
	}
	j.Trail("a", "x", "v1", []casestate.Event{ev(1, 0, casestate.EventOpened), ev(2, 2*time.Minute, casestate.EventReplied)})
	j.Trail("b", "facebook", "v2", []casestate.Event{ev(1, time.Minute, casestate.EventOpened)})
	j.Trail("a", "x", "v1", []casestate.Event{ev(2, 2*time.Minute, casestate.EventReplied)}) // read twice
	var got []string
	for _, m := range j.Timeline {
		got = append(got, fmt.Sprintf("%s#%d:%s:%s", m.CaseID, m.Seq, m.Kind, m.PolicyVersion))
	}
	if strings.Join(got, " ") != "a#1:opened:v1 b#1:opened:v2 a#2:replied:v1" {
		t.Fatalf("timeline %v", got)
	}
}

func TestAViewerSeesOtherDepartmentsCasesOnlyAsTheirDepartment(t *testing.T) {
	at := time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)
	j := Journey{Identity: Identity{CustomerID: "x:jane", Aliases: []string{"facebook:77"}},
		Cases: []Case{
			{CaseID: "case/x/1", Department: "support", Since: at, Closed: true},
			{CaseID: "case/x/2", Department: "legal", Since: at.Add(time.Minute)},
			{CaseID: "case/x/3", Since: at.Add(3 * time.Minute), Closed: true},
			{CaseID: "case/x/4", Department: "pr", Since: at.Add(5 * time.Minute)},
		},
		Timeline: []Milestone{
			{At: at, CaseID: "case/x/1", Seq: 1, Kind: "opened", Department: "support", Text: "my order"},
			{At: at.Add(time.Minute), CaseID: "case/x/2", Seq: 1, Kind: "opened", Department: "support", Text: "I will sue"},
			{At: at.Add(2 * time.Minute), CaseID: "case/x/2", Seq: 2, Kind: "handed_off", Department: "legal"},
			{At: at.Add(3 * time.Minute), CaseID: "case/x/3", Seq: 1, Kind: "opened", Text: "no department recorded"},
			{At: at.Add(4 * time.Minute), CaseID: "case/x/1", Seq: 2, Kind: "resolved", Department: "support"},
		},
	}
	seen, withheld := j.SeenBy(func(d string) bool { return d == "support" })
	if !slices.Equal(withheld, []string{"legal", "", "pr"}) {
		t.Fatalf("withheld %q", withheld)
	}
	if len(seen.Timeline) != 2 || seen.Timeline[0].CaseID != "case/x/1" || seen.Timeline[1].CaseID != "case/x/1" ||
		ids(seen.Cases) != "case/x/1:closed" {
		t.Fatalf("seen %+v", seen)
	}
	if seen.CustomerID != "x:jane" || len(j.Timeline) != 5 || len(j.Cases) != 4 {
		t.Fatal("the journey itself changed")
	}
	if seen, withheld := j.SeenBy(func(string) bool { return true }); len(withheld) != 0 || len(seen.Timeline) != 5 {
		t.Fatalf("an all-seeing viewer misses %q", withheld)
	}
}
