package casestate

// Notice is a message switchboard sends to people about a case.
type Notice struct {
	CaseID string `json:"case_id"`
	To     string `json:"to"` // "support", "support/lead", "support/sam"
	Text   string `json:"text"`
}

func (c *Case) notice(to, text string) Notice { return Notice{CaseID: c.ID, To: to, Text: text} }
