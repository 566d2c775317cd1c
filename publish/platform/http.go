package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchboard-care/switchboard/publish"
)

// errNotSent marks an error where the request never left: safe to retry.
var errNotSent = errors.New("request not sent")

// client sends JSON requests to one platform.
type client struct {
	platform string
	base     string
	http     *http.Client
	// errorOf reads the platform's error body.
	errorOf func(status int, body []byte) *publish.APIError
}

func newClient(platform, base string, timeout time.Duration, hc *http.Client) *client {
	if timeout <= 0 {
		timeout = publish.DefaultTimeout
	}
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	return &client{platform: platform, base: strings.TrimRight(base, "/"), http: hc}
}

// postJSON posts body to path with a bearer token and decodes a 2xx answer
// into out. An error wraps errNotSent when the request was certainly not
// written, is an *APIError when the platform answered an error status, and
// is anything else when the outcome is unknown.
func (c *client) postJSON(ctx context.Context, path, token string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchboard-publisher/1")
	// Whether the request was fully written decides between "not sent"
	// (retry is safe) and "unknown" (it may be live) when the call fails.
	// The transport reports it from its own goroutine, hence the atomic.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	res, err := c.http.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		if !wrote.Load() {
			return fmt.Errorf("%w: %s: %v", errNotSent, c.platform, err)
		}
		return fmt.Errorf("%s: no answer to a sent request: %w", c.platform, err)
	}
	defer res.Body.Close()
	// The status decides; a body cut short only makes the error below less
	// detailed, or the receipt lack its id.
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return c.errorOf(res.StatusCode, data)
	}
	// A 2xx answer means it is posted, even if the body is unreadable:
	// reporting an error would only make it look unsent.
	_ = json.Unmarshal(data, out)
	return nil
}

// getJSON reads path with a bearer token and decodes a 2xx answer into out.
func (c *client) getJSON(ctx context.Context, path, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchboard-publisher/1")
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.platform, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return c.errorOf(res.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: read %s: %w", c.platform, path, err)
	}
	return nil
}

// sameText says whether a text the platform lists is the reply we sent:
// platforms rewrite links (X wraps each in t.co) and trim whitespace, so
// links and spacing are not compared.
func sameText(listed, sent string) bool {
	norm := func(s string) string {
		return strings.Join(strings.Fields(linkPattern.ReplaceAllString(s, "[link]")), " ")
	}
	return norm(listed) == norm(sent)
}

var linkPattern = regexp.MustCompile(`https?://\S+`)

// token is a configured credential: the value itself, or the environment
// variable that holds it (so secrets stay out of files).
func token(value, env string) string {
	if value != "" {
		return value
	}
	if env != "" {
		return os.Getenv(env)
	}
	return ""
}
