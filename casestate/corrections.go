package casestate

import (
	"fmt"
	"time"

	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
)

// Correction is what an agent taught triage on this case: the post and the
// intent or department it should have had.
type Correction struct {
	Key        string    `json:"key"` // case id and event, so a record written twice is read once
	Post       post.Post `json:"post"`
	Intent     string    `json:"intent,omitempty"`
	Department string    `json:"department,omitempty"`
	// What triage said, who corrected it, why and when.
	Triaged      string    `json:"triaged"`
	ModelVersion string    `json:"model_version,omitempty"`
	By           string    `json:"by"`
	Reason       string    `json:"reason,omitempty"`
	At           time.Time `json:"at"`
}

// CorrectionsSince returns the corrections recorded after the first n
// events: relabels, rescues and handoffs by people.
func (c *Case) CorrectionsSince(n int) []Correction {
	var out []Correction
	for _, e := range c.Events[min(n, len(c.Events)):] {
		if e.Actor == policy.SystemActor {
			continue
		}
		cor := Correction{Key: fmt.Sprintf("%s#%d", c.ID, e.Seq), Post: c.Post, Triaged: c.TriagedIntent,
			ModelVersion: c.Triage.ModelVersion, By: e.Actor, Reason: e.Text, At: e.At}
		switch e.Kind {
		case EventRelabeled, EventRescued:
			cor.Intent, cor.Department = e.Intent, e.Department
		case EventHandedOff:
			cor.Department = e.Department
		default:
			continue
		}
		out = append(out, cor)
	}
	return out
}
