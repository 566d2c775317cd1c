package intake

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchboard-care/switchboard/post"
)

// MaxCanonicalBatch bounds the posts in one request to the generic endpoint,
// so one request cannot hold the server for minutes.
const MaxCanonicalBatch = 100

// ParseCanonical reads the generic endpoint's body: one canonical post, or a
// JSON array of them. Unknown fields are refused, so a misspelt field is an
// error rather than a post silently missing it. Posts are not validated
// here (the handler reports every invalid one at once).
func ParseCanonical(body []byte) ([]post.Post, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, payloadErr("empty body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var posts []post.Post
	switch body[0] {
	case '{':
		var p post.Post
		if err := dec.Decode(&p); err != nil {
			return nil, payloadErr("malformed post: %v", err)
		}
		posts = []post.Post{p}
	case '[':
		if err := dec.Decode(&posts); err != nil {
			return nil, payloadErr("malformed post list: %v", err)
		}
		if len(posts) == 0 {
			return nil, payloadErr("empty post list")
		}
		if len(posts) > MaxCanonicalBatch {
			return nil, payloadErr("%d posts in one request, at most %d", len(posts), MaxCanonicalBatch)
		}
	default:
		return nil, payloadErr("body is neither a post object nor a list of posts")
	}
	if dec.InputOffset() != int64(len(body)) {
		return nil, payloadErr("data after the JSON value")
	}
	return posts, nil
}

// validatePosts reports every invalid post by its index.
func validatePosts(posts []post.Post) []string {
	var problems []string
	for i, p := range posts {
		if err := p.Validate(); err != nil {
			problems = append(problems, fmt.Sprintf("post %d (%q): %s", i, p.ID, bytes.ReplaceAll([]byte(err.Error()), []byte("\n"), []byte("; "))))
		}
	}
	return problems
}
