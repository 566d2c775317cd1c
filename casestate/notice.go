package casestate

// Notice is a message switchboard sends to people about a case.
type Notice struct {
	CaseID string     `json:"case_id"`
	To     string     `json:"to"` // "support", "support/lead", "support/sam"
	Kind   NoticeKind `json:"kind,omitempty"`
	Text   string     `json:"text"`
}

// NoticeKind says what a notice is about, so people can choose which
// reach them where (notifications: in the configuration).
type NoticeKind string

const (
	NoticeAssigned      NoticeKind = "assigned"       // the dispatcher gave an agent the case
	NoticeEscalated     NoticeKind = "escalated"      // a level of the escalation chain is called in
	NoticeApproval      NoticeKind = "approval"       // a drafted reply waits for an approver, or its approval is overdue
	NoticeBreach        NoticeKind = "breach"         // an owed clock went past its due time
	NoticeWarning       NoticeKind = "warning"        // an owed clock is close to its due time
	NoticeHandedOver    NoticeKind = "handed_over"    // the case came to a department
	NoticeReleased      NoticeKind = "released"       // an idle claim went back to the queue
	NoticeRejected      NoticeKind = "rejected"       // an approver returned a draft
	NoticeRerouted      NoticeKind = "rerouted"       // a relabel or a rescue sent the case to a department
	NoticeCustomerWrote NoticeKind = "customer_wrote" // the customer of an agent's case posted again
	NoticeIncident      NoticeKind = "incident"       // many customers wrote about one cause: an incident opened
)

// NoticeKinds lists every kind.
var NoticeKinds = []NoticeKind{NoticeAssigned, NoticeEscalated, NoticeApproval, NoticeBreach, NoticeWarning,
	NoticeHandedOver, NoticeReleased, NoticeRejected, NoticeRerouted, NoticeCustomerWrote, NoticeIncident}

func (c *Case) notice(to string, kind NoticeKind, text string) Notice {
	return Notice{CaseID: c.ID, To: to, Kind: kind, Text: text}
}

// AssignedNotice tells agent the dispatcher gave them the case.
func (c *Case) AssignedNotice(agent string) Notice {
	return c.notice(c.Department+"/"+agent, NoticeAssigned, "assigned to you: "+c.Triage.Redacted)
}
