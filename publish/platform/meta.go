package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-care/switchboard/publish"
)

// Meta publishes through the Graph API:
//
//   - a public reply to a Facebook comment: POST /{comment-id}/comments
//   - a public reply to an Instagram comment: POST /{comment-id}/replies
//   - a private reply to a public comment: POST /{page-id}/messages with
//     recipient.comment_id
//   - a message in a conversation the customer started: POST
//     /{page-id}/messages with recipient.id
type Meta struct {
	c     *client
	pages map[string]metaPage
	sent  *SentStore
}

type metaPage struct{ id, token string }

// NewMeta builds the publisher; hc may be nil for a default client.
func NewMeta(cfg publish.MetaConfig, sent *SentStore, hc *http.Client) (*Meta, error) {
	if sent == nil {
		return nil, fmt.Errorf("meta publisher: a sent store is required for idempotency")
	}
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("publishers.meta.base_url is required")
	}
	m := &Meta{c: newClient("meta", cfg.BaseURL, cfg.Timeout, hc), pages: map[string]metaPage{}, sent: sent}
	m.c.errorOf = metaError
	for i, p := range cfg.Pages {
		tok := token(p.AccessToken, p.AccessTokenEnv)
		if p.Property == "" || p.PageID == "" || tok == "" {
			return nil, fmt.Errorf("publishers.meta.pages[%d]: property, page_id and an access token (access_token or access_token_env) are required", i)
		}
		m.pages[p.Property] = metaPage{id: p.PageID, token: tok}
	}
	return m, nil
}

// Publish sends r once per idempotency key.
func (m *Meta) Publish(ctx context.Context, r publish.Reply) (publish.Receipt, error) {
	if err := r.CheckPublic(); err != nil {
		return publish.Receipt{}, err
	}
	page, ok := m.pages[r.Platform+":"+r.Property]
	if !ok {
		return publish.Receipt{}, fmt.Errorf("meta publisher: no page configured for %s:%s", r.Platform, r.Property)
	}
	path, body, err := metaRequest(r, page.id)
	if err != nil {
		return publish.Receipt{}, err
	}
	return m.sent.Publish(ctx, r, func(ctx context.Context) (publish.Receipt, error) {
		var out struct {
			ID        string `json:"id"`
			MessageID string `json:"message_id"`
		}
		if err := m.c.postJSON(ctx, path, page.token, body, &out); err != nil {
			return publish.Receipt{}, err
		}
		id := out.ID
		if id == "" {
			id = out.MessageID
		}
		return publish.Receipt{ID: id, PublishedAt: time.Now().UTC()}, nil
	}, m.finder(r, page))
}

// finder looks for a public reply among the page's comments on the
// customer's post. Private replies have no such listing: nil.
func (m *Meta) finder(r publish.Reply, page metaPage) func(context.Context) (publish.Receipt, bool, error) {
	if r.Private {
		return nil
	}
	return func(ctx context.Context) (publish.Receipt, bool, error) {
		var out struct {
			Data []struct {
				ID      string `json:"id"`
				Message string `json:"message"`
				From    struct {
					ID string `json:"id"`
				} `json:"from"`
			} `json:"data"`
		}
		path := "/" + url.PathEscape(r.InReplyTo) + "/comments?fields=id,message,from&order=reverse_chronological&limit=100"
		if err := m.c.getJSON(ctx, path, page.token, &out); err != nil {
			return publish.Receipt{}, false, err
		}
		for _, c := range out.Data {
			if c.From.ID == page.id && sameText(c.Message, r.Text) {
				return publish.Receipt{ID: c.ID, PublishedAt: time.Now().UTC()}, true, nil
			}
		}
		return publish.Receipt{}, false, nil
	}
}

// metaRequest picks the endpoint and body for a reply.
func metaRequest(r publish.Reply, pageID string) (string, any, error) {
	if r.InReplyTo == "" && !(r.Private && r.InReplyToPrivate) {
		return "", nil, fmt.Errorf("meta publisher: reply on %s names no post to answer", r.CaseID)
	}
	type text struct {
		Text string `json:"text"`
	}
	switch {
	case r.Private && r.InReplyToPrivate:
		if r.AuthorID == "" {
			return "", nil, fmt.Errorf("meta publisher: private message on %s names no recipient", r.CaseID)
		}
		// RESPONSE: an answer within the 24-hour window the customer's
		// message opened, which is what a case reply is.
		return "/" + url.PathEscape(pageID) + "/messages", map[string]any{
			"recipient": map[string]string{"id": r.AuthorID}, "messaging_type": "RESPONSE", "message": text{r.Text},
		}, nil
	case r.Private:
		return "/" + url.PathEscape(pageID) + "/messages", map[string]any{
			"recipient": map[string]string{"comment_id": r.InReplyTo}, "message": text{r.Text},
		}, nil
	case r.InReplyToPrivate:
		return "", nil, fmt.Errorf("meta publisher: case %s began with a private message; a public reply would have nothing to answer", r.CaseID)
	case r.Platform == "instagram":
		return "/" + url.PathEscape(r.InReplyTo) + "/replies", map[string]string{"message": r.Text}, nil
	default:
		return "/" + url.PathEscape(r.InReplyTo) + "/comments", map[string]string{"message": r.Text}, nil
	}
}

// metaError reads Graph's {"error":{"message","type","code","error_subcode"}}.
func metaError(status int, body []byte) *publish.APIError {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	apiErr := &publish.APIError{Platform: "meta", Status: status}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		apiErr.Message = e.Error.Message
		if e.Error.Code != 0 {
			apiErr.Code = strconv.Itoa(e.Error.Code)
		}
		if e.Error.Type != "" {
			apiErr.Message = e.Error.Type + ": " + apiErr.Message
		}
	}
	return apiErr
}
