// Package post defines the canonical customer post that every intake adapter
// maps onto, and the identifiers derived from it.
package post

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Author is the customer who wrote a post, as the platform knows them.
type Author struct {
	ID        string `json:"id"`
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	Followers int    `json:"followers,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Post is the canonical intake format (see docs/design.md).
type Post struct {
	ID        string    `json:"id"`
	Platform  string    `json:"platform"`
	Property  string    `json:"property"`
	Author    Author    `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	InReplyTo string    `json:"in_reply_to,omitempty"`
	ThreadID  string    `json:"thread_id,omitempty"`
	URL       string    `json:"url,omitempty"`
	Private   bool      `json:"private,omitempty"` // arrived as a direct/private message
}

// MaxTextLength bounds a post's text; platforms allow far less, so anything
// longer is not a real post.
const MaxTextLength = 64 * 1024

// TextLimits are the platforms' own limits on a post's text, in characters
// (X's for subscribers' long posts; Facebook's for a post; Instagram's for
// a caption or comment). A platform not named here is bounded only by
// MaxTextLength.
var TextLimits = map[string]int{"x": 25000, "facebook": 63206, "instagram": 2200}

// ReplyLimits are the platforms' limits on what a brand may send, in
// characters as the platform counts them (ReplyLength): in public (X's
// standard post, a Facebook or Instagram comment) and in a private
// message. A platform not named here is bounded by MaxTextLength.
var ReplyLimits = map[string]struct{ Public, Private int }{
	"x":         {Public: 280, Private: 10000},
	"facebook":  {Public: 8000, Private: 2000},
	"instagram": {Public: 2200, Private: 1000},
}

// xLinkLength is what X counts for any link, however long: it shortens
// every URL to a t.co link of this length.
const xLinkLength = 23

var linkPattern = regexp.MustCompile(`https?://\S+`)

// ReplyLength is text's length as platform counts it: characters, and on
// X every link as xLinkLength.
func ReplyLength(platform, text string) int {
	if platform != "x" {
		return utf8.RuneCountInString(text)
	}
	n := 0
	for _, link := range linkPattern.FindAllString(text, -1) {
		n += xLinkLength - utf8.RuneCountInString(link)
	}
	return n + utf8.RuneCountInString(text)
}

// ReplyLimit is the most a reply on platform may hold, in public or in
// a private message.
func ReplyLimit(platform string, private bool) int {
	l, ok := ReplyLimits[platform]
	switch {
	case !ok:
		return MaxTextLength
	case private:
		return l.Private
	}
	return l.Public
}

// Capped returns p with its text cut to its platform's limit, and whether
// it was: a webhook that carries more than the platform allows is not the
// platform's, and the case keeps a bounded text (the trail, the journey
// and every query carry it).
func (p Post) Capped() (Post, bool) {
	limit, ok := TextLimits[p.Platform]
	if !ok {
		return p, false
	}
	n := 0
	for i := range p.Text {
		if n == limit {
			p.Text = p.Text[:i] + " […]"
			return p, true
		}
		n++
	}
	return p, false
}

// Validate reports every missing or malformed field at once, so a rejected
// line in a bulk import can be fixed in one go.
func (p Post) Validate() error {
	var errs []error
	if strings.TrimSpace(p.ID) == "" {
		errs = append(errs, errors.New("id is required"))
	}
	if strings.TrimSpace(p.Platform) == "" {
		errs = append(errs, errors.New("platform is required"))
	} else if strings.ContainsAny(p.Platform, ":/ ") || !printableASCII(p.Platform) {
		errs = append(errs, fmt.Errorf("platform %q must be printable ASCII without ':', '/' or spaces", p.Platform))
	}
	if strings.TrimSpace(p.Property) == "" {
		errs = append(errs, errors.New("property is required"))
	}
	if strings.TrimSpace(p.Author.ID) == "" {
		errs = append(errs, errors.New("author.id is required"))
	}
	if strings.TrimSpace(p.Text) == "" {
		errs = append(errs, errors.New("text is required"))
	}
	if len(p.Text) > MaxTextLength {
		errs = append(errs, fmt.Errorf("text is %d bytes, more than %d", len(p.Text), MaxTextLength))
	}
	if p.CreatedAt.IsZero() {
		errs = append(errs, errors.New("created_at is required (RFC 3339)"))
	}
	errs = append(errs, p.boundedFields()...)
	return errors.Join(errs...)
}

// PropertyKey names the company account the post was made on, as the
// configuration spells it: "x:@acme_help".
func (p Post) PropertyKey() string { return p.Platform + ":" + p.Property }

// CustomerKey identifies the customer across posts on one platform.
func (p Post) CustomerKey() string { return p.Platform + ":" + p.Author.ID }

// CaseID is the deterministic workflow id of the case a post opens, so a
// webhook delivered twice starts one case.
// Ids Temporal would refuse map to a safe form (WorkflowSafe).
func CaseID(platform, postID string) string {
	return "case/" + platform + "/" + WorkflowSafe(postID)
}

// CaseID is the id of the case this post would open.
func (p Post) CaseID() string { return CaseID(p.Platform, p.ID) }

// ThreadRoot is the platform post id a follow-up refers to: the thread if the
// platform gives one, else the post it replies to.
func (p Post) ThreadRoot() string {
	if p.ThreadID != "" {
		return p.ThreadID
	}
	return p.InReplyTo
}
