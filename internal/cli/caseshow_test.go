package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/journey"
)

// case show lists the customer's cases in departments the agent may not
// open only as "another case with" the department.
func TestCaseShowNamesWithheldCasesOnlyByDepartment(t *testing.T) {
	at := time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)
	full := journey.Journey{Identity: journey.Identity{CustomerID: "x:jane"}, Cases: []journey.Case{
		{CaseID: "case/x/sue-1", Department: "legal", Since: at, Status: "open"},
		{CaseID: "case/x/2", Department: "support", Since: at.Add(time.Hour), Status: "open"},
	}}
	seen, withheld := full.SeenBy(func(dept string) bool { return dept == "support" })
	var out bytes.Buffer
	renderCase(&out, casestate.View{Outcome: casestate.Outcome{ID: "case/x/2"}, CustomerID: "x:jane"}, nil, seen, []string{"another case with " + withheld[0]})
	text := out.String()
	if !strings.Contains(text, "another case with legal") || strings.Contains(text, "sue-1") || strings.Contains(text, "court") {
		t.Fatalf("case show:\n%s", text)
	}
}
