// Package intake receives customer posts from the platforms' webhooks and a
// generic endpoint, checks who sent them, maps them onto the canonical post
// and hands them to Temporal, answering the platform only once Temporal has
// them (see docs/intake.md).
package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/post"
)

// Config is the `intake:` configuration key.
type Config = config.Intake

// Batch is what one webhook delivery carries once mapped: new posts, edits
// and deletions of earlier ones, what was deliberately ignored, and the
// reply links of posts that open no case (the company's own replies), which
// let a customer's answer to them find its case.
type Batch struct {
	Posts   []post.Post
	Edits   []Edit
	Links   []Link
	Ignored []Ignored
	Failed  []Failure
}

// Failure is an event of a delivery that could not be used: malformed, or
// mapped to a post that is not valid. It goes to the dead letters with a
// payload that holds it alone, in the route's own format, so an operator
// can inspect it, fix it and replay it; the rest of the delivery goes on.
type Failure struct {
	Kind    string          `json:"kind"`
	ID      string          `json:"id,omitempty"`
	Reason  string          `json:"reason"`
	Payload json.RawMessage `json:"payload"`
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
func NewAccounts(list []config.IntakeAccount) (Accounts, error) {
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

// keep adds p, mapped from the event in payload, to the batch if it is a
// valid post. A post with nothing to answer (a sticker, a reaction) is
// acknowledged and ignored; any other invalid post (an id past its bound,
// no author, no time) is a failure: a person should see it, since the
// platform retrying it would not make it valid.
func (b *Batch) keep(kind string, p post.Post, payload payloadFn) {
	if strings.TrimSpace(p.Text) == "" {
		b.ignore(kind, p.ID, "nothing to answer: no text")
		return
	}
	if err := p.Validate(); err != nil {
		b.fail(kind, p.ID, "not a usable post: "+strings.ReplaceAll(err.Error(), "\n", "; "), payload)
		return
	}
	b.Posts = append(b.Posts, p)
}

// payloadFn makes a failure's payload: only failures pay for building one.
type payloadFn func() json.RawMessage

func rawPayload(raw json.RawMessage) payloadFn { return func() json.RawMessage { return raw } }

func (b *Batch) fail(kind, id, reason string, payload payloadFn) {
	if len(id) > post.MaxIDBytes {
		id = id[:post.MaxIDBytes]
	}
	b.Failed = append(b.Failed, Failure{Kind: kind, ID: strings.ToValidUTF8(id, "?"), Reason: reason, Payload: payload()})
}

// addEdit keeps an edit that names its post; one that does not cannot be
// recorded anywhere.
func (b *Batch) addEdit(e Edit) {
	if strings.TrimSpace(e.PostID) == "" {
		b.ignore("edit", "", "names no post")
		return
	}
	if len(e.PostID) > post.MaxIDBytes {
		b.ignore("edit", "", "names a post id no platform gives (over post.MaxIDBytes)")
		return
	}
	if len(e.Text) > post.MaxTextLength {
		b.ignore("edit", e.PostID, "new text longer than any platform allows")
		return
	}
	b.Edits = append(b.Edits, e)
}

func (b *Batch) ignore(kind, id, reason string) {
	b.Ignored = append(b.Ignored, Ignored{Kind: kind, ID: id, Reason: reason})
}

// link remembers a reply link; ids past post.MaxIDBytes are no platform's
// and would only grow the thread index.
func (b *Batch) link(platform, id, parent string) {
	if id != "" && parent != "" && id != parent && len(id) <= post.MaxIDBytes && len(parent) <= post.MaxIDBytes {
		b.Links = append(b.Links, Link{Platform: platform, ID: id, Parent: parent})
	}
}
