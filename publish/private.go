package publish

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/switchboard-care/switchboard/pii"
)

// AccountIssue is the intent whose cases are account matters.
const AccountIssue = "account_issue"

// MaxInvitationLength bounds a public invitation: an invitation is a
// sentence or two, and a long public reply is discussing the matter.
const MaxInvitationLength = 280

// PrivateChannelError is a public reply refused by the private-channel
// rule: an account matter (orders, billing, payments, passwords, personal
// data) is never discussed in public, so on such a case a public reply may
// only invite the customer to a private message. Retrying cannot help; the
// agent must reply privately or reword the invitation.
type PrivateChannelError struct {
	CaseID string
	Intent string
	Reason string
}

func (e *PrivateChannelError) Error() string {
	matter := "a case marked private by its routing"
	if e.Intent == AccountIssue {
		matter = "an account_issue case"
	}
	return fmt.Sprintf("public reply on %s refused by the private-channel rule: %s may only be answered in public with an invitation to a private message (%s); reply privately instead",
		e.CaseID, matter, e.Reason)
}

// PersonalDataError is a public reply refused because it carries personal
// data: a card number, an e-mail address or a phone number is never
// published, whatever the case is about. Retrying cannot help; the agent
// must remove it or reply privately.
type PersonalDataError struct {
	CaseID string
	Kind   pii.Kind
}

func (e *PersonalDataError) Error() string {
	what := map[pii.Kind]string{pii.Card: "a card number", pii.Email: "an e-mail address", pii.Phone: "a phone number"}[e.Kind]
	return fmt.Sprintf("public reply on %s refused: it contains %s, and personal data is never published; remove it or reply privately instead",
		e.CaseID, what)
}

var (
	invitation = regexp.MustCompile(`(?i)\b(dms?|pm|direct message|private message|private chat|privately|in private|message us|send us a (message|note)|drop us a (line|message|note)|inbox|messenger)\b`)
	// What discusses the matter itself: long numbers (orders, cards,
	// phones), e-mail addresses, sums of money, in figures or in words.
	digitRun = regexp.MustCompile(`\d{4,}`)
	email    = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[a-zA-Z]{2,}`)
	money    = regexp.MustCompile(`(?i)[£$€¥₹]\s?\d|\d\s?(usd|eur|gbp)\b|\b(usd|eur|gbp)\s?\d|` +
		`\b(\d+|` + numberWords + `)([\s-]+(` + numberWords + `))*\s*(dollars?|bucks?|pounds?|quid|euros?|cents?|pence|p|yen|rupees?)\b`)
	// link is a web address, with or without its scheme: acme.example/orders/123
	// leads to the order as surely as https://acme.example/orders/123.
	link = regexp.MustCompile(`(?i)\bhttps?://\S+|\bwww\.\S+|\b([a-z0-9-]+\.)+[a-z]{2,}/\S*`)
	// Links that open a private conversation are the invitation itself.
	dmLink = regexp.MustCompile(`(?i)^(https?://)?(www\.)?(m\.me|ig\.me|(x|twitter)\.com/messages/compose)\b`)
	// personalData is what no public reply may carry on any case. Order
	// numbers are left to the private-channel rule: "your order ships
	// today" is fine on a complaint.
	personalData = pii.New()
)

const numberWords = `a|an|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|` +
	`seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|few|several|couple of`

// CheckPrivateChannel holds what a public reply may say: on every case no
// card number, e-mail address or phone number, and on an account matter
// only an invitation to a private message. The text is checked after
// Unicode normalisation (pii.Normalize), so other scripts' digits and
// full-width forms say nothing the rule cannot read. It is pure, so a
// workflow's update validator can call it to refuse the reply before
// anything is recorded.
func CheckPrivateChannel(r Reply) error {
	if r.Private {
		return nil
	}
	text := pii.Normalize(r.Text)
	bare, elsewhere := withoutDMLinks(text)
	for _, sp := range personalData.Find(bare) {
		if sp.Kind != pii.Order {
			return &PersonalDataError{CaseID: r.CaseID, Kind: sp.Kind}
		}
	}
	if r.Intent != AccountIssue && !r.PrivateMatter {
		return nil
	}
	if reason := notAnInvitation(text, bare, elsewhere); reason != "" {
		return &PrivateChannelError{CaseID: r.CaseID, Intent: r.Intent, Reason: reason}
	}
	return nil
}

// withoutDMLinks is text without its links to a private conversation, and
// the first link that leads anywhere else.
func withoutDMLinks(text string) (bare, elsewhere string) {
	bare = text
	for _, l := range link.FindAllString(text, -1) {
		if !dmLink.MatchString(l) {
			if elsewhere == "" {
				elsewhere = l
			}
			continue
		}
		bare = strings.ReplaceAll(bare, l, " ")
	}
	return bare, elsewhere
}

// notAnInvitation says why text is not a bare invitation to a private
// message, or "" if it is one. It guards against the obvious leaks; it is
// no substitute for the agent's judgement.
func notAnInvitation(text, bare, elsewhere string) string {
	switch {
	case len(text) > MaxInvitationLength:
		return fmt.Sprintf("%d characters is more than an invitation (at most %d)", len(text), MaxInvitationLength)
	case elsewhere != "":
		return "it links to " + elsewhere
	case email.MatchString(bare):
		return "it contains an e-mail address"
	case digitRun.MatchString(bare):
		return "it contains a number that may identify an order, account or card"
	case money.MatchString(bare):
		return "it mentions a sum of money"
	case !invitation.MatchString(text):
		return "it does not invite the customer to a private message"
	}
	return ""
}
