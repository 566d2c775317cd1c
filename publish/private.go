package publish

import (
	"fmt"
	"regexp"
	"strings"
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

var (
	invitation = regexp.MustCompile(`(?i)\b(dms?|pm|direct message|private message|private chat|privately|in private|message us|send us a (message|note)|drop us a (line|message|note)|inbox|messenger)\b`)
	// What discusses the matter itself: long numbers (orders, cards,
	// phones), e-mail addresses, sums of money.
	digitRun = regexp.MustCompile(`\d{4,}`)
	email    = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[a-zA-Z]{2,}`)
	money    = regexp.MustCompile(`[£$€¥₹]\s?\d|\d\s?(usd|eur|gbp)\b`)
	link     = regexp.MustCompile(`(?i)https?://\S+`)
	// Links that open a private conversation are the invitation itself.
	dmLink = regexp.MustCompile(`(?i)^https?://(www\.)?(m\.me|ig\.me|(x|twitter)\.com/messages/compose)\b`)
)

// CheckPrivateChannel holds the private-channel rule for one reply: on an
// account matter a public reply must be an invitation to a private
// message. It is pure, so a workflow's update validator can call it to
// refuse the reply before anything is recorded.
func CheckPrivateChannel(r Reply) error {
	if r.Private || (r.Intent != AccountIssue && !r.PrivateMatter) {
		return nil
	}
	if reason := notAnInvitation(r.Text); reason != "" {
		return &PrivateChannelError{CaseID: r.CaseID, Intent: r.Intent, Reason: reason}
	}
	return nil
}

// notAnInvitation says why text is not a bare invitation to a private
// message, or "" if it is one. It guards against the obvious leaks; it is
// no substitute for the agent's judgement.
func notAnInvitation(text string) string {
	if len(text) > MaxInvitationLength {
		return fmt.Sprintf("%d characters is more than an invitation (at most %d)", len(text), MaxInvitationLength)
	}
	bare := text
	for _, l := range link.FindAllString(text, -1) {
		if !dmLink.MatchString(l) {
			return "it links to " + l
		}
		bare = strings.ReplaceAll(bare, l, " ")
	}
	switch {
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
