package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/publish"
)

// X publishes through the X API v2:
//
//   - a public reply: POST /2/tweets with reply.in_reply_to_tweet_id
//   - a direct message: POST /2/dm_conversations/with/{participant_id}/messages
type X struct {
	c      *client
	tokens map[string]string
	sent   *SentStore
}

// NewX builds the publisher; hc may be nil for a default client.
func NewX(cfg publish.XConfig, sent *SentStore, hc *http.Client) (*X, error) {
	if sent == nil {
		return nil, fmt.Errorf("x publisher: a sent store is required for idempotency")
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("publishers.x.base_url is required")
	}
	x := &X{c: newClient("x", cfg.BaseURL, cfg.Timeout, hc), tokens: map[string]string{}, sent: sent}
	x.c.errorOf = xError
	for i, a := range cfg.Accounts {
		tok := token(a.AccessToken, a.AccessTokenEnv)
		if a.Property == "" || tok == "" {
			return nil, fmt.Errorf("publishers.x.accounts[%d]: property and an access token (access_token or access_token_env) are required", i)
		}
		x.tokens[a.Property] = tok
	}
	return x, nil
}

// Publish sends r once per idempotency key.
func (x *X) Publish(ctx context.Context, r publish.Reply) (publish.Receipt, error) {
	if err := r.CheckPublic(); err != nil {
		return publish.Receipt{}, err
	}
	tok, ok := x.tokens[r.Platform+":"+r.Property]
	if !ok {
		return publish.Receipt{}, fmt.Errorf("x publisher: no account configured for %s:%s", r.Platform, r.Property)
	}
	var path string
	var body any
	switch {
	case r.Private:
		if r.AuthorID == "" {
			return publish.Receipt{}, fmt.Errorf("x publisher: direct message on %s names no recipient", r.CaseID)
		}
		path = "/2/dm_conversations/with/" + url.PathEscape(r.AuthorID) + "/messages"
		body = map[string]string{"text": r.Text}
	case r.InReplyToPrivate:
		return publish.Receipt{}, fmt.Errorf("x publisher: case %s began with a direct message; a public reply would have nothing to answer", r.CaseID)
	case r.InReplyTo == "":
		return publish.Receipt{}, fmt.Errorf("x publisher: reply on %s names no post to answer", r.CaseID)
	default:
		path = "/2/tweets"
		body = map[string]any{"text": r.Text, "reply": map[string]string{"in_reply_to_tweet_id": r.InReplyTo}}
	}
	return x.sent.Publish(ctx, r, func(ctx context.Context) (publish.Receipt, error) {
		var out struct {
			Data struct {
				ID        string `json:"id"`
				DMEventID string `json:"dm_event_id"`
			} `json:"data"`
		}
		if err := x.c.postJSON(ctx, path, tok, body, &out); err != nil {
			return publish.Receipt{}, err
		}
		id := out.Data.ID
		if id == "" {
			id = out.Data.DMEventID
		}
		return publish.Receipt{ID: id, PublishedAt: time.Now().UTC()}, nil
	}, func(ctx context.Context) (publish.Receipt, bool, error) { return x.find(ctx, r, tok) })
}

// find looks for r among the account's posts: its replies to the same post
// (recent search, in_reply_to_tweet_id and from), or its messages in the
// conversation with the customer.
func (x *X) find(ctx context.Context, r publish.Reply, tok string) (publish.Receipt, bool, error) {
	type item struct {
		ID       string `json:"id"`
		Text     string `json:"text"`
		SenderID string `json:"sender_id"`
	}
	var out struct {
		Data []item `json:"data"`
	}
	var path string
	if r.Private {
		path = "/2/dm_conversations/with/" + url.PathEscape(r.AuthorID) + "/dm_events?dm_event.fields=text,sender_id&max_results=100"
	} else {
		q := "in_reply_to_tweet_id:" + r.InReplyTo + " from:" + strings.TrimPrefix(r.Property, "@")
		path = "/2/tweets/search/recent?max_results=100&query=" + url.QueryEscape(q)
	}
	if err := x.c.getJSON(ctx, path, tok, &out); err != nil {
		return publish.Receipt{}, false, err
	}
	for _, it := range out.Data {
		if sameText(it.Text, r.Text) && (!r.Private || it.SenderID != r.AuthorID) {
			return publish.Receipt{ID: it.ID, PublishedAt: time.Now().UTC()}, true, nil
		}
	}
	return publish.Receipt{}, false, nil
}

// xError reads v2's problem details ({"title","detail","type","status"})
// and the older {"errors":[{"message","code"}]}.
func xError(status int, body []byte) *publish.APIError {
	var e struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
		Errors []struct {
			Message string          `json:"message"`
			Code    json.RawMessage `json:"code"`
		} `json:"errors"`
	}
	apiErr := &publish.APIError{Platform: "x", Status: status}
	if json.Unmarshal(body, &e) != nil {
		return apiErr
	}
	switch {
	case e.Detail != "":
		apiErr.Message = e.Detail
		apiErr.Code = strings.TrimPrefix(e.Type, "https://api.twitter.com/2/problems/")
	case len(e.Errors) > 0:
		apiErr.Message = e.Errors[0].Message
		apiErr.Code = strings.Trim(string(e.Errors[0].Code), `"`)
	default:
		apiErr.Message = e.Title
	}
	return apiErr
}
