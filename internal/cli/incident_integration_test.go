package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
	"github.com/switchboard-care/switchboard/post"
)

// An incident worked from the command line: listed, its statement
// proposed, approved by PR and sent, shown with every member case's
// delivery, then resolved; an agent outside the centre and PR is refused.
func TestIncidentCommandsOnARealServer(t *testing.T) {
	st := stacktest.ForTest(t, stacktest.QuickIncidents(t))
	consoleURL := useStack(t, st)
	for i := range 3 {
		p := post.Post{ID: fmt.Sprintf("cli-inc-%d", i), Platform: "x", Property: "@acme_help", Author: post.Author{ID: fmt.Sprintf("v%d", i), Handle: fmt.Sprintf("@v%d", i)},
			Text: "Checkout outage: payment fails every time, the checkout is broken", CreatedAt: time.Now()}
		if _, err := st.Cases.Submit(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	login(t, consoleURL, "sam", "cora", "paul", "colin")
	var id string
	stacktest.Eventually(t, "an incident in the list", func() error {
		list := runJSON[[]caseapi.IncidentSummary](t, "incident", "list", "--as", "colin")
		if len(list) != 1 {
			return fmt.Errorf("incidents %+v", list)
		}
		id = list[0].ID
		return nil
	})
	if out, code := run(t, "incident", "list", "--as", "sam"); code != ExitRefused {
		t.Errorf("sam listing incidents: exit %d: %s", code, out)
	}
	statement := "Checkout is failing for many of you right now; we are fixing it and will post here when it works again."
	runJSON[incident.Incident](t, "incident", "propose", id, statement, "--as", "cora")
	if out, code := run(t, "incident", "approve", id, "1", "--as", "cora"); code != ExitRefused || !strings.Contains(out, "four-eyes") {
		t.Errorf("cora approving her own statement: exit %d: %s", code, out)
	}
	runJSON[incident.Incident](t, "incident", "approve", id, "1", "--as", "paul")
	runJSON[incident.Incident](t, "incident", "send", id, "1", "--as", "colin")
	stacktest.Eventually(t, "the statement on every member", func() error {
		inc := runJSON[incident.Incident](t, "incident", "show", id, "--as", "colin")
		if n := inc.Tally(1)[incident.Sent]; n != len(inc.Members) || n < 3 {
			return fmt.Errorf("sent to %d of %d", n, len(inc.Members))
		}
		return nil
	})
	if out, code := run(t, "incident", "show", id, "--as", "colin", "-o", "table"); code != 0 || !strings.Contains(out, "sent by colin") {
		t.Errorf("incident show: exit %d: %s", code, out)
	}
	runJSON[incident.Incident](t, "incident", "resolve", id, "payments work again", "--as", "colin")
	if out, code := run(t, "incident", "send", id, "1", "--as", "colin"); code == 0 {
		t.Errorf("a send after the resolve: %s", out)
	}
}
