// Package intake receives customer posts from the platforms' webhooks and a
// generic endpoint, checks who sent them, maps them onto the canonical post
// and hands them to Temporal, answering the platform only once Temporal has
// them (see docs/intake.md).
package intake

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/intake/intakeconf"
	"github.com/switchboard-care/switchboard/post"
)

// Config is the `intake:` configuration key.
type Config = intakeconf.Config

// Batch is what one webhook delivery carries once mapped: new posts, edits
// and deletions of earlier ones, what was deliberately ignored, and the
// reply links of posts that open no case (the company's own replies), which
// let a customer's answer to them find its case.
type Batch struct {
	Posts   []post.Post
	Edits   []Edit
	Links   []Link
	Ignored []Ignored
}

// EditKind says whether a post was changed or removed.
type EditKind string

// The kinds of edit.
const (
	Edited  EditKind = "edited"
	Deleted EditKind = "deleted"
)

// Edit is a customer changing or removing a post after it was sent. It
// belongs to the case the post opened, or else to the case its thread joined
// (CaseIDs lists both, most specific first).
type Edit struct {
	Kind       EditKind  `json:"kind"`
	Platform   string    `json:"platform"`
	Property   string    `json:"property"`
	PostID     string    `json:"post_id"`
	AuthorID   string    `json:"author_id,omitempty"`
	Text       string    `json:"text,omitempty"` // the new text of an edit
	At         time.Time `json:"at"`
	ThreadRoot string    `json:"thread_root,omitempty"`
}

// CaseIDs are the cases the edit may belong to: the one the post opened,
// then the one of its thread.
func (e Edit) CaseIDs() []string {
	ids := []string{post.CaseID(e.Platform, e.PostID)}
	if e.ThreadRoot != "" && e.ThreadRoot != e.PostID {
		ids = append(ids, post.CaseID(e.Platform, e.ThreadRoot))
	}
	return ids
}

// Link says that post ID on a platform replies to Parent.
type Link struct {
	Platform string
	ID       string
	Parent   string
}

// Ignored is an event acknowledged but not turned into a post: the
// company's own posts, likes, read receipts, unknown accounts.
type Ignored struct {
	Kind   string `json:"kind"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// PayloadError is a body that is not a payload of the kind the route takes;
// the sender gets a 400 and nothing is started.
type PayloadError struct{ Reason string }

func (e *PayloadError) Error() string { return "bad payload: " + e.Reason }

func payloadErr(format string, args ...any) error {
	return &PayloadError{Reason: fmt.Sprintf(format, args...)}
}

// ErrUnknownObject is a webhook for an object type this server does not
// subscribe to; it is a PayloadError too.
var ErrUnknownObject = errors.New("unknown object type")

// Accounts maps the platforms' account ids of the company's own accounts to
// their property keys.
type Accounts map[string]Property

// Property is a company account split as the canonical post spells it.
type Property struct {
	Platform string // "facebook"
	Name     string // "acme", "@acme_help"
}

// Key is "facebook:acme".
func (p Property) Key() string { return p.Platform + ":" + p.Name }

// NewAccounts indexes configured accounts by id.
func NewAccounts(list []intakeconf.Account) (Accounts, error) {
	out := make(Accounts, len(list))
	for _, a := range list {
		platform, name, ok := strings.Cut(a.Property, ":")
		if !ok || platform == "" || name == "" {
			return nil, fmt.Errorf("account %s: property %q is not platform:name", a.ID, a.Property)
		}
		out[a.ID] = Property{Platform: platform, Name: name}
	}
	return out, nil
}

// keep adds p to the batch if it is a valid post; a platform event that maps
// to an invalid post (a sticker with no text, a commenter the app may not
// see) is acknowledged and ignored, since the platform retrying it would
// not make it valid.
func (b *Batch) keep(kind string, p post.Post) {
	if err := p.Validate(); err != nil {
		b.ignore(kind, p.ID, "not a usable post: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	b.Posts = append(b.Posts, p)
}

// addEdit keeps an edit that names its post; one that does not cannot be
// recorded anywhere.
func (b *Batch) addEdit(e Edit) {
	if strings.TrimSpace(e.PostID) == "" {
		b.ignore("edit", "", "names no post")
		return
	}
	b.Edits = append(b.Edits, e)
}

func (b *Batch) ignore(kind, id, reason string) {
	b.Ignored = append(b.Ignored, Ignored{Kind: kind, ID: id, Reason: reason})
}

func (b *Batch) link(platform, id, parent string) {
	if id != "" && parent != "" && id != parent {
		b.Links = append(b.Links, Link{Platform: platform, ID: id, Parent: parent})
	}
}
