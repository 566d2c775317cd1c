package casestate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/switchboard-care/switchboard/pii"
	"github.com/switchboard-care/switchboard/policy"
)

// AccountIssue is the intent whose cases are account matters.
const AccountIssue = "account_issue"

// MaxInvitationLength bounds a public invitation: an invitation is a
// sentence or two, and a long public reply is discussing the matter.
const MaxInvitationLength = 280

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

// CheckPublicReply holds what a public reply may say: on every case no
// card number, e-mail address or phone number (rule personal-data), and on
// an account matter (intent account_issue, or a case its routing or triage
// marked private) only an invitation to a private message (rule
// private-channel). The text is read after Unicode normalisation
// (pii.Normalize), so other scripts' digits and full-width forms say
// nothing the rule cannot read. Retrying cannot help: the agent replies
// privately or rewords the reply.
func CheckPublicReply(text, intent string, privateMatter bool) error {
	text = pii.Normalize(text)
	bare, elsewhere := withoutDMLinks(text)
	for _, sp := range personalData.Find(bare) {
		if sp.Kind != pii.Order {
			return policy.Refuse("personal-data", "a public reply never carries %s: personal data is never published; remove it or reply privately",
				map[pii.Kind]string{pii.Card: "a card number", pii.Email: "an e-mail address", pii.Phone: "a phone number"}[sp.Kind])
		}
	}
	if intent != AccountIssue && !privateMatter {
		return nil
	}
	if reason := notAnInvitation(text, bare, elsewhere); reason != "" {
		matter := "a case marked private by its routing"
		if intent == AccountIssue {
			matter = "an account_issue case"
		}
		return policy.Refuse("private-channel", "%s may only be answered in public with an invitation to a private message (%s); reply privately instead", matter, reason)
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
