package intake

import (
	"encoding/json"
	"html"
	"sort"
	"strconv"

	"github.com/switchboard-care/switchboard/post"
)

// X Account Activity payloads (v1.1 objects), only the fields switchboard
// reads.
type xUser struct {
	IDStr          string `json:"id_str"`
	ID             flexID `json:"id"` // a number in tweets, a string in the users map of DM events
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	FollowersCount int    `json:"followers_count"`
	Verified       bool   `json:"verified"`
}

func (u xUser) id() string {
	if u.IDStr != "" {
		return u.IDStr
	}
	return string(u.ID)
}

// flexID reads an id given as a JSON string or number. Numbers above 2^53
// lose nothing: the digits are kept as text, never parsed.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

type xTweet struct {
	IDStr                string          `json:"id_str"`
	Text                 string          `json:"text"`
	Truncated            bool            `json:"truncated"`
	CreatedAt            flexTime        `json:"created_at"`
	TimestampMS          flexTime        `json:"timestamp_ms"`
	InReplyToStatusIDStr string          `json:"in_reply_to_status_id_str"`
	User                 xUser           `json:"user"`
	RetweetedStatus      json.RawMessage `json:"retweeted_status"`
	ExtendedTweet        *struct {
		FullText string `json:"full_text"`
	} `json:"extended_tweet"`
	EditHistory *struct {
		InitialTweetID string `json:"initial_tweet_id"`
	} `json:"edit_history"`
}

type xTweetDelete struct {
	Status struct {
		ID     string `json:"id"`
		UserID string `json:"user_id"`
	} `json:"status"`
	TimestampMS flexTime `json:"timestamp_ms"`
}

type xDMEvent struct {
	Type             string   `json:"type"`
	ID               string   `json:"id"`
	CreatedTimestamp flexTime `json:"created_timestamp"`
	MessageCreate    *struct {
		SenderID    string `json:"sender_id"`
		MessageData struct {
			Text       string          `json:"text"`
			Attachment json.RawMessage `json:"attachment"`
		} `json:"message_data"`
	} `json:"message_create"`
}

// xEventKeys are the event lists X sends; a payload with none of them is
// not an Account Activity event. Those not read below are acknowledged and
// ignored (likes, follows, typing…).
var xEventKeys = map[string]bool{
	"tweet_create_events": true, "tweet_delete_events": true, "direct_message_events": true,
	"favorite_events": true, "follow_events": true, "unfollow_events": true, "block_events": true,
	"unblock_events": true, "mute_events": true, "unmute_events": true, "user_event": true,
	"direct_message_indicate_typing_events": true, "direct_message_mark_read_events": true,
	"tweet_edit_events": true,
}

// xContextKeys come along with events and are not events themselves.
var xContextKeys = map[string]bool{"for_user_id": true, "users": true, "apps": true, "user_has_blocked": true, "source": true}

// ParseX maps an X Account Activity body onto posts, edits and ignored
// events. The subscribed account (for_user_id) must be configured.
func ParseX(body []byte, accounts Accounts) (Batch, error) {
	var raw map[string]json.RawMessage
	if err := decodeObject(body, &raw); err != nil {
		return Batch{}, err
	}
	var forUser string
	if err := json.Unmarshal(raw["for_user_id"], &forUser); err != nil || forUser == "" {
		return Batch{}, payloadErr("for_user_id is missing or not a string")
	}
	keys := make([]string, 0, len(raw))
	events := 0
	for k := range raw {
		keys = append(keys, k)
		if xEventKeys[k] {
			events++
		}
	}
	if events == 0 {
		return Batch{}, payloadErr("%s: no Account Activity event list in the payload", ErrUnknownObject)
	}
	sort.Strings(keys) // a stable order of ignored events, for logs and tests
	acct, ok := accounts[forUser]
	if !ok || acct.Platform != "x" {
		var b Batch
		b.ignore("x", forUser, "not one of the company's configured accounts (intake.x.accounts)")
		return b, nil
	}
	m := xMapper{accounts: accounts, acct: acct, forUser: forUser}
	if err := json.Unmarshal(raw["users"], &m.byID); raw["users"] != nil && err != nil {
		// Only names and follower counts of DM senders come from it: the
		// messages are still theirs.
		m.b.ignore("users", "", "malformed users map: "+err.Error())
	}
	for _, k := range keys {
		m.events(k, raw[k])
	}
	return m.b, nil
}

type xMapper struct {
	b        Batch
	accounts Accounts
	acct     Property
	forUser  string
	byID     map[string]xUser
	payload  payloadFn // the event being mapped, alone (xMapper.alone)
}

// alone is a delivery of just one event of list, for a dead letter to
// replay. It leaves out the users map, which can be far larger than the
// event: a direct message replayed names its sender by id only.
func (m *xMapper) alone(list string, event json.RawMessage) payloadFn {
	return func() json.RawMessage {
		raw, _ := json.Marshal(map[string]any{"for_user_id": m.forUser, list: []json.RawMessage{event}}) // cannot fail: valid JSON parts
		return raw
	}
}

// each decodes the events of list one at a time into a fresh value, so one
// malformed event fails alone.
func each[T any](m *xMapper, list string, raw json.RawMessage, use func(T)) {
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		m.b.fail(list, "", "malformed event list: "+err.Error(), func() json.RawMessage {
			whole, _ := json.Marshal(map[string]any{"for_user_id": m.forUser, list: raw}) // cannot fail: valid JSON parts
			return whole
		})
		return
	}
	for _, ev := range events {
		m.payload = m.alone(list, ev)
		var v T
		if err := json.Unmarshal(ev, &v); err != nil {
			m.b.fail(list, "", "malformed event: "+err.Error(), m.payload)
			continue
		}
		use(v)
	}
}

func (m *xMapper) own(id string) bool {
	_, ok := m.accounts[id]
	return ok || id == m.forUser
}

func (m *xMapper) events(key string, raw json.RawMessage) {
	switch key {
	case "tweet_create_events":
		each(m, key, raw, m.tweet)
	case "tweet_delete_events":
		each(m, key, raw, func(d xTweetDelete) {
			if m.own(d.Status.UserID) {
				m.b.ignore("tweet delete", d.Status.ID, "the company's own post")
				return
			}
			m.b.addEdit(Edit{Kind: Deleted, Platform: "x", Property: m.acct.Name,
				PostID: d.Status.ID, AuthorID: d.Status.UserID, At: d.TimestampMS.Time})
		})
	case "direct_message_events":
		each(m, key, raw, m.dm)
	default:
		if !xContextKeys[key] {
			m.b.ignore(key, "", "not a message")
		}
	}
}

func (m *xMapper) tweet(t xTweet) {
	const kind = "tweet"
	if m.own(t.User.id()) {
		m.b.link("x", t.IDStr, t.InReplyToStatusIDStr)
		m.b.ignore(kind, t.IDStr, "the company's own post")
		return
	}
	if t.RetweetedStatus != nil && string(t.RetweetedStatus) != "null" {
		m.b.ignore(kind, t.IDStr, "a repost, not a message")
		return
	}
	text := t.Text
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		text = t.ExtendedTweet.FullText
	}
	// v1.1 text escapes &, < and > as HTML entities.
	text = html.UnescapeString(text)
	at := t.CreatedAt.Time
	if at.IsZero() {
		at = t.TimestampMS.Time
	}
	if t.EditHistory != nil && t.EditHistory.InitialTweetID != "" && t.EditHistory.InitialTweetID != t.IDStr {
		// An edited post arrives as a new post naming the one it replaces;
		// the case belongs to the original, so it is an edit of that.
		m.b.addEdit(Edit{Kind: Edited, Platform: "x", Property: m.acct.Name,
			PostID: t.EditHistory.InitialTweetID, AuthorID: t.User.id(), Text: text, At: at})
		return
	}
	url := ""
	if t.User.ScreenName != "" && t.IDStr != "" {
		url = "https://x.com/" + t.User.ScreenName + "/status/" + t.IDStr
	}
	m.b.keep(kind, post.Post{
		ID: t.IDStr, Platform: "x", Property: m.acct.Name,
		Author:    xAuthor(t.User),
		Text:      text,
		CreatedAt: at, InReplyTo: t.InReplyToStatusIDStr, URL: url,
	}, m.payload)
}

func (m *xMapper) dm(d xDMEvent) {
	const kind = "direct message"
	if d.Type != "message_create" || d.MessageCreate == nil {
		m.b.ignore(kind, d.ID, "event type "+strconv.Quote(d.Type)+" is not a message")
		return
	}
	sender := d.MessageCreate.SenderID
	if m.own(sender) {
		m.b.ignore(kind, d.ID, "the company's own message")
		return
	}
	u := m.byID[sender]
	if u.id() == "" {
		u.IDStr = sender
	}
	text := d.MessageCreate.MessageData.Text
	if text == "" && len(d.MessageCreate.MessageData.Attachment) > 0 {
		text = attachmentText("media")
	}
	m.b.keep(kind, post.Post{
		ID: d.ID, Platform: "x", Property: m.acct.Name,
		Author: xAuthor(u), Text: text, CreatedAt: d.CreatedTimestamp.Time, Private: true,
	}, m.payload)
}

func xAuthor(u xUser) post.Author {
	a := post.Author{ID: u.id(), Name: u.Name, Followers: u.FollowersCount, Verified: u.Verified}
	if u.ScreenName != "" {
		a.Handle = "@" + u.ScreenName
	}
	return a
}
