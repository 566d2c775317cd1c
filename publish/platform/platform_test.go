package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/publish"
)

// fakePlatform is a local stand-in for a platform API: it records every
// request and answers with the status and body the test sets.
type fakePlatform struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	requests []recorded
	answer   func(n int, r recorded) (int, string)
	listing  func() string // the answer to a GET (a search, a list of comments)
	delay    time.Duration
}

type recorded struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

func newPlatform(t *testing.T) *fakePlatform {
	p := &fakePlatform{t: t, answer: func(int, recorded) (int, string) { return 200, `{"id":"1"}` }}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone()}
		if r.Method == http.MethodGet {
			rec.Path += "?" + r.URL.RawQuery
		} else if err := json.Unmarshal(raw, &rec.Body); err != nil {
			t.Errorf("body is not a JSON object: %q", raw)
		}
		p.mu.Lock()
		p.requests = append(p.requests, rec)
		n := len(p.requests)
		answer, delay, listing := p.answer, p.delay, p.listing
		p.mu.Unlock()
		time.Sleep(delay)
		status, body := answer(n, rec)
		if r.Method == http.MethodGet && listing != nil {
			status, body = 200, listing()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePlatform) got() []recorded {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]recorded(nil), p.requests...)
}

func (p *fakePlatform) only(t *testing.T) recorded {
	t.Helper()
	got := p.got()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1: %+v", len(got), got)
	}
	return got[0]
}

func checkRequest(t *testing.T, got recorded, path, token string, body map[string]any) {
	t.Helper()
	if got.Method != http.MethodPost || got.Path != path {
		t.Errorf("%s %s, want POST %s", got.Method, got.Path, path)
	}
	if a := got.Header.Get("Authorization"); a != "Bearer "+token {
		t.Errorf("Authorization %q", a)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if !reflect.DeepEqual(got.Body, body) {
		t.Errorf("body\n got %v\nwant %v", got.Body, body)
	}
}

func openStore(t *testing.T) *SentStore {
	t.Helper()
	return NewSentStore(openShared(t, filepath.Join(t.TempDir(), "shared.db")), time.Second)
}

// openShared opens the shared store in a SQLite file, as a worker would.
func openShared(t *testing.T, path string) *kv.Store {
	t.Helper()
	s, err := kv.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func testMeta(t *testing.T, base string, store *SentStore, hc *http.Client) *Meta {
	t.Helper()
	t.Setenv("TEST_IG_PAGE_TOKEN", "EAAig-page-token")
	m, err := NewMeta(publish.MetaConfig{BaseURL: base + "/v21.0", Timeout: time.Second, Pages: []publish.MetaPage{
		{Property: "facebook:acme", PageID: "104857600000001", AccessToken: "EAAfb-page-token"},
		{Property: "instagram:acme", PageID: "104857600000001", AccessTokenEnv: "TEST_IG_PAGE_TOKEN"},
	}}, store, hc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testX(t *testing.T, base string, store *SentStore, hc *http.Client) *X {
	t.Helper()
	x, err := NewX(publish.XConfig{BaseURL: base, Timeout: time.Second, Accounts: []publish.XAccount{
		{Property: "x:@acme_help", AccessToken: "x-user-token-help"},
	}}, store, hc)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestMetaRequests(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  publish.Reply
		answer string
		path   string
		token  string
		body   map[string]any
		id     string
	}{
		{
			name:   "public reply to a facebook comment",
			reply:  publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "880011223344_5566778899001", Text: "So sorry, Jane! We're on it."},
			answer: `{"id":"880011223344_5566778899009"}`,
			path:   "/v21.0/880011223344_5566778899001/comments", token: "EAAfb-page-token",
			body: map[string]any{"message": "So sorry, Jane! We're on it."},
			id:   "880011223344_5566778899009",
		},
		{
			name:   "public reply to an instagram comment",
			reply:  publish.Reply{Platform: "instagram", Property: "acme", InReplyTo: "17860000000000101", Text: "Not normal at all, we'll swap them!"},
			answer: `{"id":"17860000000000199"}`,
			path:   "/v21.0/17860000000000101/replies", token: "EAAig-page-token",
			body: map[string]any{"message": "Not normal at all, we'll swap them!"},
			id:   "17860000000000199",
		},
		{
			name:   "private reply to a public comment",
			reply:  publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "880011223344_5566778899001", AuthorID: "6712345678901234", Private: true, Text: "Hi Jane, could you share your order number?"},
			answer: `{"recipient_id":"24681357924680135","message_id":"m_priv1"}`,
			path:   "/v21.0/104857600000001/messages", token: "EAAfb-page-token",
			body: map[string]any{"recipient": map[string]any{"comment_id": "880011223344_5566778899001"}, "message": map[string]any{"text": "Hi Jane, could you share your order number?"}},
			id:   "m_priv1",
		},
		{
			name: "message in the customer's conversation",
			reply: publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "m_Zx1cV2bN3mQ4wE5rT6yU7iO8pA9sD0fGhJkLzXcVbNm", AuthorID: "24681357924680135",
				Private: true, InReplyToPrivate: true, Intent: casestate.AccountIssue, Text: "Refund of £49.99 for order A-1029 is on its way."},
			answer: `{"recipient_id":"24681357924680135","message_id":"m_resp2"}`,
			path:   "/v21.0/104857600000001/messages", token: "EAAfb-page-token",
			body: map[string]any{"recipient": map[string]any{"id": "24681357924680135"}, "messaging_type": "RESPONSE", "message": map[string]any{"text": "Refund of £49.99 for order A-1029 is on its way."}},
			id:   "m_resp2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t)
			p.answer = func(int, recorded) (int, string) { return 200, tc.answer }
			m := testMeta(t, p.srv.URL, openStore(t), nil)
			tc.reply.CaseID, tc.reply.IdempotencyKey = "case/facebook/1", "case/facebook/1/upd-1"
			rec, err := m.Publish(context.Background(), tc.reply)
			if err != nil {
				t.Fatal(err)
			}
			if rec.ID != tc.id || rec.PublishedAt.IsZero() {
				t.Fatalf("receipt %+v", rec)
			}
			checkRequest(t, p.only(t), tc.path, tc.token, tc.body)
		})
	}
}

func TestXRequests(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(n int, r recorded) (int, string) {
		if strings.HasPrefix(r.Path, "/2/dm_conversations/") {
			return 201, `{"data":{"dm_conversation_id":"1500000000000000001-3141592653","dm_event_id":"1860000000000000777"}}`
		}
		return 201, `{"data":{"id":"1860000000000000102","text":"@janedoe Sorry about that","edit_history_tweet_ids":["1860000000000000102"]}}`
	}
	x := testX(t, p.srv.URL, openStore(t), nil)
	rec, err := x.Publish(context.Background(), publish.Reply{CaseID: "case/x/1860000000000000101", Platform: "x", Property: "@acme_help",
		InReplyTo: "1860000000000000101", AuthorID: "3141592653", Text: "@janedoe Sorry about that, could you DM us?", IdempotencyKey: "k1"})
	if err != nil || rec.ID != "1860000000000000102" {
		t.Fatalf("%+v %v", rec, err)
	}
	rec, err = x.Publish(context.Background(), publish.Reply{CaseID: "case/x/1860000000000000101", Platform: "x", Property: "@acme_help",
		InReplyTo: "1860000000000000101", AuthorID: "3141592653", Private: true, Text: "Thanks Jane, an engineer will call today.", IdempotencyKey: "k2"})
	if err != nil || rec.ID != "1860000000000000777" {
		t.Fatalf("%+v %v", rec, err)
	}
	got := p.got()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	checkRequest(t, got[0], "/2/tweets", "x-user-token-help", map[string]any{
		"text": "@janedoe Sorry about that, could you DM us?", "reply": map[string]any{"in_reply_to_tweet_id": "1860000000000000101"}})
	checkRequest(t, got[1], "/2/dm_conversations/with/3141592653/messages", "x-user-token-help", map[string]any{
		"text": "Thanks Jane, an engineer will call today."})
}

func TestPlatformErrors(t *testing.T) {
	p := newPlatform(t)
	status, body := 403, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`
	p.answer = func(int, recorded) (int, string) { return status, body }
	x := testX(t, p.srv.URL, openStore(t), nil)
	r := publish.Reply{CaseID: "c", Platform: "x", Property: "@acme_help", InReplyTo: "1", Text: "hi", IdempotencyKey: "e1"}
	_, err := x.Publish(context.Background(), r)
	var apiErr *publish.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 || !strings.Contains(err.Error(), "duplicate content") || !publish.Permanent(err) {
		t.Fatalf("%v", err)
	}
	status, body = 429, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`
	r.IdempotencyKey = "e2"
	if _, err := x.Publish(context.Background(), r); !errors.As(err, &apiErr) || !apiErr.Temporary() || publish.Permanent(err) {
		t.Fatalf("a rate limit is retried: %v", err)
	}
	status, body = 400, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_subcode":33,"fbtrace_id":"AbC123"}}`
	m := testMeta(t, p.srv.URL, openStore(t), nil)
	_, err = m.Publish(context.Background(), publish.Reply{CaseID: "c", Platform: "facebook", Property: "acme", InReplyTo: "1_2", Text: "hi", IdempotencyKey: "e3"})
	if !errors.As(err, &apiErr) || apiErr.Code != "100" || !strings.Contains(err.Error(), "OAuthException: (#100) Invalid parameter") || !publish.Permanent(err) {
		t.Fatalf("%v", err)
	}
}

func TestReplyShapesRefusedBeforeSending(t *testing.T) {
	p := newPlatform(t)
	m := testMeta(t, p.srv.URL, openStore(t), nil)
	x := testX(t, p.srv.URL, openStore(t), nil)
	for name, tc := range map[string]struct {
		pub publish.Publisher
		r   publish.Reply
	}{
		"meta: unknown page":            {m, publish.Reply{Platform: "facebook", Property: "other", InReplyTo: "1", Text: "t"}},
		"meta: public reply to a DM":    {m, publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "m_1", InReplyToPrivate: true, Text: "t"}},
		"meta: message with no author":  {m, publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "m_1", Private: true, InReplyToPrivate: true, Text: "t"}},
		"meta: nothing to reply to":     {m, publish.Reply{Platform: "facebook", Property: "acme", Text: "t"}},
		"x: unknown account":            {x, publish.Reply{Platform: "x", Property: "@acme_news", InReplyTo: "1", Text: "t"}},
		"x: DM with no recipient":       {x, publish.Reply{Platform: "x", Property: "@acme_help", Private: true, Text: "t"}},
		"x: public reply to a DM":       {x, publish.Reply{Platform: "x", Property: "@acme_help", InReplyTo: "9", InReplyToPrivate: true, Text: "t"}},
		"x: private-channel rule":       {x, publish.Reply{Platform: "x", Property: "@acme_help", InReplyTo: "9", Intent: casestate.AccountIssue, Text: "Your refund is £20"}},
		"meta: private-channel rule":    {m, publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "1_2", PrivateMatter: true, Text: "Your card ending 4242 was charged"}},
		"x: no nothing to reply to":     {x, publish.Reply{Platform: "x", Property: "@acme_help", Text: "t"}},
		"x: missing idempotency key":    {x, publish.Reply{Platform: "x", Property: "@acme_help", InReplyTo: "1", Text: "t", IdempotencyKey: "-"}},
		"meta: missing idempotency key": {m, publish.Reply{Platform: "facebook", Property: "acme", InReplyTo: "1_2", Text: "t", IdempotencyKey: "-"}},
	} {
		if tc.r.IdempotencyKey == "-" {
			tc.r.IdempotencyKey = ""
		} else {
			tc.r.IdempotencyKey = "k-" + name
		}
		if _, err := tc.pub.Publish(context.Background(), tc.r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(p.got()); n != 0 {
		t.Fatalf("%d requests for refused replies", n)
	}
	if _, err := NewMeta(publish.MetaConfig{BaseURL: "http://x", Pages: []publish.MetaPage{{Property: "facebook:acme", PageID: "1", AccessTokenEnv: "UNSET_TOKEN_VARIABLE"}}}, openStore(t), nil); err == nil {
		t.Fatal("a page without a token")
	}
	if _, err := NewX(publish.XConfig{BaseURL: "http://x"}, nil, nil); err == nil {
		t.Fatal("no sent store")
	}
}

func TestRetriedPublishPostsOnce(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(n int, _ recorded) (int, string) {
		return 201, `{"data":{"id":"186000000000000020` + string(rune('0'+n)) + `"}}`
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	shared := openShared(t, path)
	store := NewSentStore(shared, time.Second)
	r := xReply("case/x/1/update-7")
	first, err := testX(t, p.srv.URL, store, nil).Publish(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	// The activity is retried (its completion was lost): same key, same
	// receipt, no second post, also from a new worker process.
	again, err := testX(t, p.srv.URL, store, nil).Publish(context.Background(), r)
	if err != nil || again != first {
		t.Fatalf("%+v %v", again, err)
	}
	shared.Close()
	reopened := NewSentStore(openShared(t, path), time.Second)
	again, err = testX(t, p.srv.URL, reopened, nil).Publish(context.Background(), r)
	if err != nil || again.ID != first.ID {
		t.Fatalf("after restart %+v %v", again, err)
	}
	if n := len(p.got()); n != 1 {
		t.Fatalf("%d posts", n)
	}
}

func TestRetryAfterAServerErrorPostsOnce(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(n int, _ recorded) (int, string) {
		if n == 1 {
			return 503, `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`
		}
		return 201, `{"data":{"id":"1860000000000000300"}}`
	}
	x := testX(t, p.srv.URL, openStore(t), nil)
	r := xReply("k")
	if _, err := x.Publish(context.Background(), r); err == nil || publish.Permanent(err) {
		t.Fatalf("a 503 is retried: %v", err)
	}
	for range 3 {
		if rec, err := x.Publish(context.Background(), r); err != nil || rec.ID != "1860000000000000300" {
			t.Fatalf("%+v %v", rec, err)
		}
	}
	if n := len(p.got()); n != 2 {
		t.Fatalf("%d requests: one refused, one posted", n)
	}
}

func TestUnsentRequestIsRetried(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"42"}}` }
	// The first dial fails, as when the platform's address cannot be reached.
	var dials int
	var mu sync.Mutex
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials++
		n := dials
		mu.Unlock()
		if n == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	x := testX(t, p.srv.URL, openStore(t), hc)
	r := xReply("k")
	if _, err := x.Publish(context.Background(), r); err == nil || publish.Permanent(err) {
		t.Fatalf("first attempt: %v", err)
	}
	if rec, err := x.Publish(context.Background(), r); err != nil || rec.ID != "42" {
		t.Fatalf("%+v %v", rec, err)
	}
	if n := len(p.got()); n != 1 {
		t.Fatalf("%d posts", n)
	}
}

// posts are the POSTs the platform received.
func (p *fakePlatform) posts() []recorded {
	var out []recorded
	for _, r := range p.got() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// listsWhatItPosted makes the platform answer a search with the texts it
// was posted (X's shape), each POST n posted as id "post-n".
func (p *fakePlatform) listsWhatItPosted() {
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"post-1"}}` }
	p.listing = func() string {
		var data []map[string]string
		for i, r := range p.posts() {
			data = append(data, map[string]string{"id": fmt.Sprintf("post-%d", i+1), "text": fmt.Sprint(r.Body["text"])})
		}
		b, _ := json.Marshal(map[string]any{"data": data})
		return string(b)
	}
}

// The platform posts a reply but its answer comes too late: the retry, on
// this worker or another one (whose store never saw the first attempt),
// finds the reply on the platform and does not post it again.
func TestALostAnswerIsFoundNotPostedAgain(t *testing.T) {
	for _, where := range []string{"same worker", "another worker"} {
		t.Run(where, func(t *testing.T) {
			p := newPlatform(t)
			p.listsWhatItPosted()
			p.delay = 300 * time.Millisecond
			first := openStore(t)
			x := testX(t, p.srv.URL, first, &http.Client{Timeout: 100 * time.Millisecond})
			r := xReply("case/x/1/u1")
			_, err := x.Publish(context.Background(), r)
			if err == nil || publish.Permanent(err) {
				t.Fatalf("first attempt: %v, want a retryable error", err)
			}
			time.Sleep(p.delay)
			p.mu.Lock()
			p.delay = 0
			p.mu.Unlock()
			retry := x
			if where == "another worker" {
				retry = testX(t, p.srv.URL, openStore(t), nil)
			}
			r.Retry = true
			rec, err := retry.Publish(context.Background(), r)
			if err != nil || rec.ID != "post-1" {
				t.Fatalf("retry: %+v %v", rec, err)
			}
			if n := len(p.posts()); n != 1 {
				t.Fatalf("%d posts", n)
			}
			search := p.got()[1]
			if search.Method != http.MethodGet || !strings.Contains(search.Path, "in_reply_to_tweet_id%3A1+from%3Aacme_help") {
				t.Fatalf("search %s %s", search.Method, search.Path)
			}
		})
	}
}

// A retry that does not find the reply on the platform posts it.
func TestARetryPostsWhatThePlatformDoesNotHave(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"7"}}` }
	p.listing = func() string { return `{"meta":{"result_count":0}}` }
	x := testX(t, p.srv.URL, openStore(t), nil)
	r := xReply("case/x/1/u1")
	r.Retry = true
	if rec, err := x.Publish(context.Background(), r); err != nil || rec.ID != "7" {
		t.Fatalf("%+v %v", rec, err)
	}
	if got := p.got(); len(got) != 2 || got[0].Method != http.MethodGet || got[1].Method != http.MethodPost {
		t.Fatalf("requests %+v", got)
	}
}

// Where the platform cannot be searched (Meta's private replies), a lost
// answer is never posted again: a person checks and resolves the key.
func TestALostPrivateAnswerIsNeverPostedAgain(t *testing.T) {
	p := newPlatform(t)
	p.delay = 300 * time.Millisecond
	p.answer = func(int, recorded) (int, string) { return 200, `{"recipient_id":"1","message_id":"m_1"}` }
	store := openStore(t)
	m := testMeta(t, p.srv.URL, store, &http.Client{Timeout: 100 * time.Millisecond})
	r := publish.Reply{CaseID: "case/facebook/c1", Platform: "facebook", Property: "acme", InReplyTo: "c1", AuthorID: "psid-1", Text: "We've sent you a message", Private: true, IdempotencyKey: "case/facebook/c1/u1"}
	_, err := m.Publish(context.Background(), r)
	var unknown *publish.UnknownOutcomeError
	if !errors.As(err, &unknown) || !publish.Permanent(err) {
		t.Fatalf("%v", err)
	}
	r.Retry = true
	if _, err := m.Publish(context.Background(), r); !errors.As(err, &unknown) {
		t.Fatalf("retry: %v", err)
	}
	time.Sleep(p.delay)
	if n := len(p.got()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	if got, err := store.Pending(context.Background()); err != nil || len(got) != 1 || got[0] != r.IdempotencyKey {
		t.Fatalf("pending %v %v", got, err)
	}
	// A person finds the reply sent and records it.
	if err := store.Resolve(context.Background(), r.IdempotencyKey, "m_1"); err != nil {
		t.Fatal(err)
	}
	if rec, err := m.Publish(context.Background(), r); err != nil || rec.ID != "m_1" {
		t.Fatalf("%+v %v", rec, err)
	}
}

func TestConcurrentPublishOfOneKey(t *testing.T) {
	p := newPlatform(t)
	p.delay = 200 * time.Millisecond
	x := testX(t, p.srv.URL, openStore(t), nil)
	r := xReply("k")
	done := make(chan error)
	go func() {
		_, err := x.Publish(context.Background(), r)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := x.Publish(context.Background(), r); !errors.Is(err, ErrInFlight) || publish.Permanent(err) {
		t.Fatalf("%v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(p.got()); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

// xReply is a public reply on an X case, keyed by key.
func xReply(key string) publish.Reply {
	return publish.Reply{CaseID: "case/x/1", Platform: "x", Property: "@acme_help", InReplyTo: "1", Text: "On it!", IdempotencyKey: key}
}

func TestSameTextIgnoresRewrittenLinksAndSpacing(t *testing.T) {
	for _, tc := range []struct {
		listed, sent string
		same         bool
	}{
		{"Try the steps at https://t.co/AbC123 please", "Try the steps at https://acme.example/help/wifi please", true},
		{"On it!\n", "On it!", true},
		{"On it!", "On it, Jane!", false},
	} {
		if got := sameText(tc.listed, tc.sent); got != tc.same {
			t.Errorf("sameText(%q, %q) = %t", tc.listed, tc.sent, got)
		}
	}
}

// Two workers on one shared store publish one reply at once: it is posted
// once, and the worker that lost the claim is told to retry.
func TestTwoWorkersPublishOneReplyOnce(t *testing.T) {
	p := newPlatform(t)
	p.delay = 100 * time.Millisecond
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"9"}}` }
	path := filepath.Join(t.TempDir(), "shared.db")
	workers := []*X{testX(t, p.srv.URL, NewSentStore(openShared(t, path), time.Second), nil), testX(t, p.srv.URL, NewSentStore(openShared(t, path), time.Second), nil)}
	r := xReply("case/x/1/reply-1")
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := workers[i%2].Publish(context.Background(), r)
			errs <- err
		}()
	}
	var posted, inFlight int
	for range 8 {
		switch err := <-errs; {
		case err == nil:
			posted++
		case errors.Is(err, ErrInFlight):
			inFlight++
		default:
			t.Fatal(err)
		}
	}
	if n := len(p.got()); n != 1 || posted+inFlight != 8 || posted < 1 {
		t.Fatalf("%d requests; %d published, %d told in flight", n, posted, inFlight)
	}
	if rec, err := workers[1].Publish(context.Background(), r); err != nil || rec.ID != "9" {
		t.Fatalf("the other worker's retry: %+v %v", rec, err)
	}
}

// A worker that died holding a claim holds the key only until the claim
// lapses; then the retry looks on the platform before posting again.
func TestAClaimOfADeadWorkerLapses(t *testing.T) {
	p := newPlatform(t)
	p.answer = func(int, recorded) (int, string) { return 201, `{"data":{"id":"11"}}` }
	p.listing = func() string { return `{"meta":{"result_count":0}}` }
	store := openStore(t)
	r := xReply("case/x/1/reply-2")
	var dead sentEntry
	if _, won, err := store.claim(context.Background(), r, dead, false); !won || err != nil {
		t.Fatalf("%v %v", won, err)
	}
	x := testX(t, p.srv.URL, store, nil)
	if _, err := x.Publish(context.Background(), r); !errors.Is(err, ErrInFlight) {
		t.Fatalf("inside the claim: %v", err)
	}
	store.now = func() time.Time { return time.Now().Add(store.claimFor + time.Second) }
	if rec, err := x.Publish(context.Background(), r); err != nil || rec.ID != "11" {
		t.Fatalf("after the claim lapsed: %+v %v", rec, err)
	}
	if got := p.got(); len(got) != 2 || got[0].Method != http.MethodGet || got[1].Method != http.MethodPost {
		t.Fatalf("requests %+v", got)
	}
}
