package intake

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/switchboard-care/switchboard/post"
)

// MaxCanonicalBatch bounds the posts in one request to the generic endpoint,
// so one request cannot hold the server for minutes.
const MaxCanonicalBatch = 100

// ParseCanonical reads one canonical post, or a JSON array of them, as
// strictly as the generic endpoint does; the bulk importer reads a line
// with it. Posts are not validated here.
func ParseCanonical(body []byte) ([]post.Post, error) {
	items, err := canonicalItems(body)
	if err != nil {
		return nil, err
	}
	posts := make([]post.Post, len(items))
	for i, raw := range items {
		if posts[i], err = decodePost(raw); err != nil {
			return nil, payloadErr("malformed post %d: %v", i, err)
		}
	}
	return posts, nil
}

// ParseGeneric maps the generic endpoint's body onto a batch: each post of
// the list decoded and validated alone, so one malformed or invalid post
// is a failure of its own and the others go on. A post on one of the
// signed platforms (those a signed webhook serves) is refused: its case id
// belongs to the real post the platform will deliver.
func ParseGeneric(body []byte, signed []string) (Batch, error) {
	items, err := canonicalItems(body)
	if err != nil {
		return Batch{}, err
	}
	var b Batch
	for _, raw := range items {
		// A list of one: a body the endpoint takes, whatever the item is.
		alone := rawPayload(json.RawMessage("[" + string(raw) + "]"))
		p, err := decodePost(raw)
		if err != nil {
			b.fail("post", "", "malformed post: "+err.Error(), alone)
			continue
		}
		if err := p.Validate(); err != nil {
			b.fail("post", p.ID, "invalid post: "+string(bytes.ReplaceAll([]byte(err.Error()), []byte("\n"), []byte("; "))), alone)
			continue
		}
		if slices.Contains(signed, p.Platform) {
			b.fail("post", p.ID, "platform "+p.Platform+" is served by its signed webhook: the generic endpoint takes other sources", alone)
			continue
		}
		b.Posts = append(b.Posts, p)
	}
	return b, nil
}

// canonicalItems splits a body into its posts' JSON, unread.
func canonicalItems(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, payloadErr("empty body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var items []json.RawMessage
	switch body[0] {
	case '{':
		var one json.RawMessage
		if err := dec.Decode(&one); err != nil {
			return nil, payloadErr("malformed post: %v", err)
		}
		items = []json.RawMessage{one}
	case '[':
		if err := dec.Decode(&items); err != nil {
			return nil, payloadErr("malformed post list: %v", err)
		}
		if len(items) == 0 {
			return nil, payloadErr("empty post list")
		}
		if len(items) > MaxCanonicalBatch {
			return nil, payloadErr("%d posts in one request, at most %d", len(items), MaxCanonicalBatch)
		}
	default:
		return nil, payloadErr("body is neither a post object nor a list of posts")
	}
	if dec.InputOffset() != int64(len(body)) {
		return nil, payloadErr("data after the JSON value")
	}
	return items, nil
}

// decodePost reads one post, refusing unknown fields, so a misspelt field
// is an error rather than a post silently missing it.
func decodePost(raw json.RawMessage) (post.Post, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p post.Post
	err := dec.Decode(&p)
	return p, err
}
