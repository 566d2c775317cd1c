package caseapi_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/casestate"
)

// EnvRecordResolve makes TestResolvingWithAReplyOwed save the case's
// history for the replay test, as workflows/testdata/<its value>.json.
const EnvRecordResolve = "SWITCHBOARD_RECORD_RESOLVE"

// A customer still owed a reply is not dropped without a word: Sam's
// resolve of his claimed case without a reason is refused (resolve-reason),
// and so is Sofia's, a colleague's (collision); with "no reply needed" it
// resolves, the trail marking it unanswered for the SLA report.
func TestResolvingWithAReplyOwed(t *testing.T) {
	h := newHarness(t)
	p := xPost("ru-1", "lee", "how do I change the wifi password on the new router? never mind, found it in the app")
	id := p.CaseID()
	if _, err := h.cases.Submit(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(id, casestate.StatusOpen)
	h.act(id, casestate.ActionClaim, "sam", casestate.Action{})
	for _, tc := range []struct {
		agent, text, rule string
	}{
		{"sam", "", "resolve-reason"},
		{"sofia", casestate.NoReplyNeeded, "collision"},
	} {
		_, err := h.cases.Act(h.ctx, id, casestate.ActionResolve, tc.agent, casestate.Action{Text: tc.text})
		var refused *caseapi.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, tc.rule) {
			t.Fatalf("resolve by %s with %q: %v, want refused by %s", tc.agent, tc.text, err, tc.rule)
		}
	}
	h.act(id, casestate.ActionResolve, "sam", casestate.Action{Text: casestate.NoReplyNeeded})
	h.waitCompleted(id)
	events, err := h.cases.Events(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Kind != casestate.EventResolved || !last.Unanswered || last.Text != casestate.NoReplyNeeded {
		t.Fatalf("the resolve on the trail: %+v", last)
	}
	if name := os.Getenv(EnvRecordResolve); name != "" {
		h.saveHistory(h.runHistory(id, h.runs(id)[0]), name)
	}
}
