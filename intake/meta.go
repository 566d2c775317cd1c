package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/post"
)

// Meta webhook payloads, only the fields switchboard reads. Graph API ids
// are strings; times come as Unix seconds (feed), milliseconds (messaging)
// or strings, which flexTime all reads.
// Entries, changes and messages are decoded one at a time, so one malformed
// event fails alone (see Failure) and the rest of the delivery goes on.
type metaPayload struct {
	Object string             `json:"object"`
	Entry  *[]json.RawMessage `json:"entry"`
}

type metaEntry struct {
	ID        string          `json:"id"` // the page or Instagram account
	Time      json.RawMessage `json:"time"`
	Changes   json.RawMessage `json:"changes"`
	Messaging json.RawMessage `json:"messaging"`
}

type metaChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type metaUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"` // Instagram
}

// metaFeedValue is a Facebook page feed change.
type metaFeedValue struct {
	Item        string    `json:"item"` // comment, post, status, photo, reaction, like, share…
	Verb        string    `json:"verb"` // add, edited, remove, hide, unhide…
	CommentID   string    `json:"comment_id"`
	PostID      string    `json:"post_id"`
	ParentID    string    `json:"parent_id"`
	From        *metaUser `json:"from"`
	Message     string    `json:"message"`
	CreatedTime flexTime  `json:"created_time"`
	Photo       string    `json:"photo"`
	Video       string    `json:"video"`
	Post        *struct {
		PermalinkURL string `json:"permalink_url"`
	} `json:"post"`
}

// metaIGComment is an Instagram comments change.
type metaIGComment struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	ParentID string    `json:"parent_id"`
	From     *metaUser `json:"from"`
	Media    *struct {
		ID string `json:"id"`
	} `json:"media"`
}

type metaMessaging struct {
	Sender    metaUser `json:"sender"`
	Recipient metaUser `json:"recipient"`
	Timestamp flexTime `json:"timestamp"`
	Message   *struct {
		Mid       string `json:"mid"`
		Text      string `json:"text"`
		IsEcho    bool   `json:"is_echo"`
		IsDeleted bool   `json:"is_deleted"` // Instagram: the customer unsent it
		ReplyTo   *struct {
			Mid string `json:"mid"`
		} `json:"reply_to"`
		Attachments []struct {
			Type string `json:"type"`
		} `json:"attachments"`
	} `json:"message"`
	MessageEdit *struct {
		Mid  string `json:"mid"`
		Text string `json:"text"`
	} `json:"message_edit"`
}

// metaPlatforms maps the webhook object types switchboard subscribes to onto
// canonical platforms.
var metaPlatforms = map[string]string{"page": "facebook", "instagram": "instagram"}

// ParseMeta maps a Meta webhook body (Facebook page or Instagram) onto
// posts, edits and ignored events. It is pure: the signature was checked
// before, and nothing is submitted here.
func ParseMeta(body []byte, accounts Accounts) (Batch, error) {
	var p metaPayload
	if err := decodeObject(body, &p); err != nil {
		return Batch{}, err
	}
	platform, ok := metaPlatforms[p.Object]
	if !ok {
		return Batch{}, &PayloadError{Reason: fmt.Sprintf("%s %q (this endpoint takes page and instagram)", ErrUnknownObject, p.Object)}
	}
	if p.Entry == nil {
		return Batch{}, payloadErr("no entry list")
	}
	var b Batch
	for _, raw := range *p.Entry {
		var e metaEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			b.fail(p.Object+" entry", e.ID, "malformed entry: "+err.Error(), func() json.RawMessage { return metaSingle(p.Object, raw) })
			continue
		}
		// The entry's time is only a fallback for events without their own:
		// one that does not read costs nothing but that fallback.
		var at flexTime
		if json.Unmarshal(e.Time, &at) != nil {
			e.Time = nil
		}
		acct, ok := accounts[e.ID]
		if !ok || acct.Platform != platform {
			b.ignore(p.Object, e.ID, "not one of the company's configured accounts (intake.meta.accounts)")
			continue
		}
		m := metaMapper{b: &b, accounts: accounts, acct: acct, object: p.Object, entry: e, at: at.Time}
		m.each("changes", e.Changes, m.change)
		m.each("messaging", e.Messaging, m.message)
	}
	return b, nil
}

// metaSingle is a delivery of one entry, for a dead letter to replay.
func metaSingle(object string, entry json.RawMessage) json.RawMessage {
	body, _ := json.Marshal(struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}{object, []json.RawMessage{entry}}) // cannot fail: both parts came from valid JSON
	return body
}

type metaMapper struct {
	b        *Batch
	accounts Accounts
	acct     Property
	object   string
	entry    metaEntry
	at       time.Time // the entry's time
	payload  payloadFn // the event being mapped, alone (metaMapper.alone)
}

// each maps the events of one list of the entry, one at a time; a list
// that is not a list fails alone.
func (m metaMapper) each(list string, raw json.RawMessage, mapEvent func(json.RawMessage)) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		m.b.fail(list, "", "malformed "+list+" list: "+err.Error(), func() json.RawMessage {
			entry, _ := json.Marshal(map[string]any{"id": m.entry.ID, list: raw}) // cannot fail: raw is valid JSON
			return metaSingle(m.object, entry)
		})
		return
	}
	for _, ev := range events {
		mapEvent(ev)
	}
}

// alone is a delivery of just this one change or message of the entry.
func (m metaMapper) alone(list string, event json.RawMessage) payloadFn {
	return func() json.RawMessage {
		entry := map[string]any{"id": m.entry.ID, list: []json.RawMessage{event}}
		if len(m.entry.Time) > 0 {
			entry["time"] = m.entry.Time
		}
		raw, _ := json.Marshal(entry) // cannot fail: every part came from valid JSON
		return metaSingle(m.object, raw)
	}
}

// own says whether an id is one of the company's accounts: its posts are
// echoes, never customer posts.
func (m metaMapper) own(id string) bool {
	_, ok := m.accounts[id]
	return ok || id == m.entry.ID
}

func (m metaMapper) change(raw json.RawMessage) {
	m.payload = m.alone("changes", raw)
	var c metaChange
	if err := json.Unmarshal(raw, &c); err != nil {
		m.b.fail("change", "", "malformed change: "+err.Error(), m.payload)
		return
	}
	switch {
	case m.acct.Platform == "facebook" && c.Field == "feed":
		var v metaFeedValue
		if err := json.Unmarshal(c.Value, &v); err != nil {
			m.b.fail("feed change", "", "malformed feed change: "+err.Error(), m.payload)
			return
		}
		m.feed(v)
	case m.acct.Platform == "instagram" && (c.Field == "comments" || c.Field == "live_comments"):
		var v metaIGComment
		if err := json.Unmarshal(c.Value, &v); err != nil {
			m.b.fail(c.Field+" change", "", "malformed "+c.Field+" change: "+err.Error(), m.payload)
			return
		}
		m.igComment(v)
	default:
		m.b.ignore(c.Field, "", "change field not handled")
	}
}

func (m metaMapper) feed(v metaFeedValue) {
	kind := "feed " + v.Item
	var id, inReplyTo, thread string
	switch v.Item {
	case "comment":
		id, inReplyTo = v.CommentID, v.ParentID
		if inReplyTo == "" {
			inReplyTo = v.PostID
		}
		// Facebook threads comments two deep: a reply's parent is the
		// top-level comment, so that comment is the thread; a top-level
		// comment's thread is the post (a customer's own visitor post
		// opened a case there).
		thread = inReplyTo
	case "post", "status", "photo", "video":
		id = v.PostID // a visitor post on the page
	default:
		m.b.ignore(kind, v.PostID, "not a message")
		return
	}
	if v.From == nil || v.From.ID == "" {
		m.b.ignore(kind, id, "no author (the app may lack permission to see who wrote it)")
		return
	}
	if m.own(v.From.ID) {
		m.b.link(m.acct.Platform, id, inReplyTo)
		m.b.ignore(kind, id, "the company's own post")
		return
	}
	at := v.CreatedTime.Time
	if at.IsZero() {
		at = m.at
	}
	switch v.Verb {
	case "add":
	case "edited", "edit":
		m.b.addEdit(m.edit(Edited, id, v.From.ID, v.Message, at))
		return
	case "remove":
		m.b.addEdit(m.edit(Deleted, id, v.From.ID, "", at))
		return
	default:
		m.b.ignore(kind, id, "verb "+v.Verb+" is moderation, not the customer's")
		return
	}
	text := v.Message
	if text == "" {
		text = attachmentText(nonEmpty(v.Photo, "photo"), nonEmpty(v.Video, "video"))
	}
	url := ""
	if v.Post != nil && v.Post.PermalinkURL != "" {
		url = v.Post.PermalinkURL
		if v.Item == "comment" {
			url += sep(url) + "comment_id=" + lastPart(v.CommentID)
		}
	}
	m.b.keep(kind, post.Post{
		ID: id, Platform: m.acct.Platform, Property: m.acct.Name,
		Author:    post.Author{ID: v.From.ID, Name: v.From.Name},
		Text:      text,
		CreatedAt: at, InReplyTo: inReplyTo, ThreadID: thread, URL: url,
	}, m.payload)
}

func (m metaMapper) igComment(v metaIGComment) {
	const kind = "instagram comment"
	if v.From == nil || v.From.ID == "" {
		m.b.ignore(kind, v.ID, "no author")
		return
	}
	inReplyTo := v.ParentID
	if inReplyTo == "" && v.Media != nil {
		inReplyTo = v.Media.ID
	}
	if m.own(v.From.ID) {
		m.b.link(m.acct.Platform, v.ID, inReplyTo)
		m.b.ignore(kind, v.ID, "the company's own comment")
		return
	}
	handle := ""
	if v.From.Username != "" {
		handle = "@" + v.From.Username
	}
	// Instagram, like Facebook, threads comments two deep.
	m.b.keep(kind, post.Post{
		ID: v.ID, Platform: m.acct.Platform, Property: m.acct.Name,
		Author:    post.Author{ID: v.From.ID, Handle: handle, Name: v.From.Name},
		Text:      v.Text,
		CreatedAt: m.at, InReplyTo: inReplyTo, ThreadID: inReplyTo,
	}, m.payload)
}

func (m metaMapper) message(raw json.RawMessage) {
	kind := m.acct.Platform + " message"
	m.payload = m.alone("messaging", raw)
	var e metaMessaging
	if err := json.Unmarshal(raw, &e); err != nil {
		m.b.fail(kind, "", "malformed message: "+err.Error(), m.payload)
		return
	}
	at := e.Timestamp.Time
	if at.IsZero() {
		at = m.at
	}
	switch {
	case e.MessageEdit != nil:
		if !m.own(e.Sender.ID) {
			m.b.addEdit(m.edit(Edited, e.MessageEdit.Mid, e.Sender.ID, e.MessageEdit.Text, at))
		}
		return
	case e.Message == nil:
		m.b.ignore(kind, "", "not a message (read, delivery, reaction, postback…)")
		return
	}
	msg := e.Message
	replyTo := ""
	if msg.ReplyTo != nil {
		replyTo = msg.ReplyTo.Mid
	}
	if msg.IsEcho || m.own(e.Sender.ID) {
		m.b.link(m.acct.Platform, msg.Mid, replyTo)
		m.b.ignore(kind, msg.Mid, "the company's own message")
		return
	}
	if msg.IsDeleted {
		m.b.addEdit(m.edit(Deleted, msg.Mid, e.Sender.ID, "", at))
		return
	}
	text := msg.Text
	if text == "" {
		types := make([]string, 0, len(msg.Attachments))
		for _, a := range msg.Attachments {
			types = append(types, a.Type)
		}
		text = attachmentText(types...)
	}
	m.b.keep(kind, post.Post{
		ID: msg.Mid, Platform: m.acct.Platform, Property: m.acct.Name,
		Author: post.Author{ID: e.Sender.ID},
		Text:   text, CreatedAt: at, InReplyTo: replyTo, Private: true,
	}, m.payload)
}

func (m metaMapper) edit(kind EditKind, id, author, text string, at time.Time) Edit {
	return Edit{Kind: kind, Platform: m.acct.Platform, Property: m.acct.Name, PostID: id, AuthorID: author, Text: text, At: at}
}

// attachmentText stands in for a message that is only attachments: a
// customer's photo of a broken product still deserves a case.
func attachmentText(types ...string) string {
	var parts []string
	for _, t := range types {
		if t != "" {
			parts = append(parts, "["+t+" attached]")
		}
	}
	return strings.Join(parts, " ")
}

func nonEmpty(v, label string) string {
	if v == "" {
		return ""
	}
	return label
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// lastPart is the comment's own id: Graph comment ids are
// "<post>_<comment>", the permalink parameter takes the second half.
func lastPart(id string) string {
	if i := strings.LastIndexByte(id, '_'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// decodeObject decodes one JSON object and nothing after it.
func decodeObject(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return payloadErr("body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return payloadErr("malformed JSON: %v", err)
	}
	if dec.InputOffset() != int64(len(body)) {
		return payloadErr("data after the JSON object")
	}
	return nil
}
