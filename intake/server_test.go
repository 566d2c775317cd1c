package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/post"
)

// fakeCases stands in for caseapi.Client at the handler level: it keeps
// cases by their deterministic id and joins a follow-up of the same customer
// as Temporal's REJECT_DUPLICATE and the join query would. The real client
// is exercised against a Temporal dev server in the integration test.
type fakeCases struct {
	mu      sync.Mutex
	down    bool
	cases   map[string]post.Post
	joined  map[string][]string
	submits int
	edits   []Edit
	gate    chan struct{} // if set, every submit waits for it to close
}

func newFakeCases() *fakeCases {
	return &fakeCases{cases: map[string]post.Post{}, joined: map[string][]string{}}
}

var errTemporalDown = errors.New("rpc error: code = Unavailable desc = connection refused")

func (f *fakeCases) Submit(ctx context.Context, p post.Post) (caseapi.Outcome, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return caseapi.Outcome{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	if f.down {
		return caseapi.Outcome{}, errTemporalDown
	}
	if err := p.Validate(); err != nil {
		return caseapi.Outcome{}, fmt.Errorf("%w %q: %w", caseapi.ErrInvalidPost, p.ID, err)
	}
	if root := p.ThreadRoot(); root != "" && root != p.ID {
		id := post.CaseID(p.Platform, root)
		if c, ok := f.cases[id]; ok && c.CustomerKey() == p.CustomerKey() {
			f.joined[id] = append(f.joined[id], p.ID)
			return caseapi.Outcome{CaseID: id, Joined: true}, nil
		}
	}
	id := p.CaseID()
	if _, ok := f.cases[id]; ok {
		return caseapi.Outcome{CaseID: id, Duplicate: true}, nil
	}
	f.cases[id] = p
	return caseapi.Outcome{CaseID: id, Started: true}, nil
}

func (f *fakeCases) RecordEdit(_ context.Context, e Edit) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errTemporalDown
	}
	for _, id := range e.CaseIDs() {
		if _, ok := f.cases[id]; ok {
			f.edits = append(f.edits, e)
			return nil
		}
	}
	return fmt.Errorf("edit of %s: %w", e.PostID, caseapi.ErrNotFound)
}

func (f *fakeCases) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *fakeCases) count() (cases, submits int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cases), f.submits
}

func newTestServer(t *testing.T, sub Submitter, opts ...Option) *httptest.Server {
	t.Helper()
	return serve(t, sub, testConfig(), opts...)
}

// serve runs the intake handler over sub on a local HTTP server for the
// rest of the test.
func serve(t *testing.T, sub Submitter, cfg Config, opts ...Option) *httptest.Server {
	t.Helper()
	s, err := NewServer(sub, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

type reply struct {
	status int
	header http.Header
	body   []byte
	result Result
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, body: body}
	if res.StatusCode == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &r.result)
	}
	return r
}

func postMeta(t *testing.T, ts *httptest.Server, body []byte, sig string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/meta", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	return do(t, req)
}

func postX(t *testing.T, ts *httptest.Server, body []byte) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/x", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-twitter-webhooks-signature", SignX([]byte(testConfig().X.ConsumerSecret), body))
	return do(t, req)
}

func metaSig(body []byte) string { return SignMeta([]byte(testConfig().Meta.AppSecret), body) }

func TestMetaHandshake(t *testing.T) {
	ts := newTestServer(t, newFakeCases())
	get := func(q url.Values) reply {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/webhooks/meta?"+q.Encode(), nil)
		return do(t, req)
	}
	r := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"test-verify-token"}, "hub.challenge": {"1158201444"}})
	if r.status != http.StatusOK || string(r.body) != "1158201444" {
		t.Fatalf("good handshake: %d %q", r.status, r.body)
	}
	if r := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1158201444"}}); r.status != http.StatusForbidden || bytes.Contains(r.body, []byte("1158201444")) {
		t.Fatalf("wrong token: %d %q", r.status, r.body)
	}
	if r := get(url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"test-verify-token"}, "hub.challenge": {"1"}}); r.status != http.StatusBadRequest {
		t.Fatalf("wrong mode: %d", r.status)
	}
	if r := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"test-verify-token"}}); r.status != http.StatusBadRequest {
		t.Fatalf("no challenge: %d", r.status)
	}
}

func TestXCRC(t *testing.T) {
	ts := newTestServer(t, newFakeCases())
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/webhooks/x?crc_token=9b4507b3-0a0b-4a6a-b1c5-3bb5d6ce3b6a", nil)
	r := do(t, req)
	var got map[string]string
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != http.StatusOK {
		t.Fatalf("%d %s %v", r.status, r.body, err)
	}
	if got["response_token"] != "sha256=wtdu6WQpxXvFfLhwaO7Ulx2Hd47uoEE9TRGw7YrLPO4=" {
		t.Fatalf("response token %q", got["response_token"])
	}
	req, _ = http.NewRequest(http.MethodGet, ts.URL+"/webhooks/x", nil)
	if r := do(t, req); r.status != http.StatusBadRequest {
		t.Fatalf("no crc_token: %d", r.status)
	}
}

func TestMetaDeliveryStartsAndJoins(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	body := fixture(t, "meta_feed_comment.json")
	r := postMeta(t, ts, body, metaSig(body))
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r.result.Started != 1 || r.result.Joined != 1 || r.result.Ignored != 2 {
		t.Fatalf("the comment opens a case and the customer's reply joins it: %+v", r.result)
	}
	if got := cases.joined["case/facebook/880011223344_5566778899001"]; len(got) != 1 || got[0] != "880011223344_5566778899003" {
		t.Fatalf("joined %v", cases.joined)
	}
}

func TestRefusedBeforeAnythingStarts(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	good := fixture(t, "meta_feed_comment.json")
	changed := bytes.Replace(good, []byte("arrived cracked"), []byte("arrived fine!!"), 1)
	malformed := []byte(`{"object":"page","entry":[{"id":"104857600000001","changes":[`)
	unknown := []byte(`{"object":"permissions","entry":[{"id":"104857600000001","changes":[{"field":"email","value":{"verb":"granted"}}]}]}`)
	huge := append([]byte(`{"object":"page","entry":[],"pad":"`), bytes.Repeat([]byte("a"), 65<<10)...)
	huge = append(huge, `"}`...)
	for name, tc := range map[string]struct {
		body   []byte
		sig    string
		status int
	}{
		"no signature":            {good, "", http.StatusUnauthorized},
		"wrong signature":         {good, SignMeta([]byte("not-the-secret"), good), http.StatusForbidden},
		"body changed after sign": {changed, metaSig(good), http.StatusForbidden},
		"malformed json":          {malformed, metaSig(malformed), http.StatusBadRequest},
		"unknown object type":     {unknown, metaSig(unknown), http.StatusBadRequest},
		"oversized body":          {huge, metaSig(huge), http.StatusRequestEntityTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			r := postMeta(t, ts, tc.body, tc.sig)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if n, submits := cases.count(); n != 0 || submits != 0 {
				t.Fatalf("%d cases, %d submits after a refused delivery", n, submits)
			}
		})
	}
	t.Run("oversized without a content length", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/meta", io.MultiReader(bytes.NewReader(huge)))
		req.ContentLength = -1 // chunked: only MaxBytesReader can stop it
		req.Header.Set("X-Hub-Signature-256", metaSig(huge))
		if r := do(t, req); r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("x without signature", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/x", bytes.NewReader(fixture(t, "x_dm.json")))
		if r := do(t, req); r.status != http.StatusUnauthorized {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("x signed with the meta scheme", func(t *testing.T) {
		body := fixture(t, "x_dm.json")
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/x", bytes.NewReader(body))
		req.Header.Set("x-twitter-webhooks-signature", SignMeta([]byte(testConfig().X.ConsumerSecret), body))
		if r := do(t, req); r.status != http.StatusForbidden {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("x unknown object", func(t *testing.T) {
		if r := postX(t, ts, []byte(`{"for_user_id":"1500000000000000001","space_events":[]}`)); r.status != http.StatusBadRequest {
			t.Fatalf("status %d", r.status)
		}
	})
	if n, submits := cases.count(); n != 0 || submits != 0 {
		t.Fatalf("%d cases, %d submits", n, submits)
	}
}

func TestSameWebhookTenTimesConcurrently(t *testing.T) {
	cases := newFakeCases()
	cases.gate = make(chan struct{})
	ts := newTestServer(t, cases)
	// Hold every submit until all ten deliveries are in flight, so they
	// really race for the same case.
	go func() {
		time.Sleep(100 * time.Millisecond)
		close(cases.gate)
	}()
	started, dups := deliverTenTimes(t, ts, fixture(t, "x_tweet_create.json"))
	if n, submits := cases.count(); n != 1 || started != 1 || dups != 9 || submits != 10 {
		t.Fatalf("%d cases from %d submits; %d started, %d duplicates", n, submits, started, dups)
	}
}

// deliverTenTimes posts one X webhook ten times at once, checks every
// answer is 200, and sums what the answers say was started and duplicated.
func deliverTenTimes(t *testing.T, ts *httptest.Server, body []byte) (started, duplicates int) {
	t.Helper()
	var wg sync.WaitGroup
	results := make([]reply, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = postX(t, ts, body)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		started += r.result.Started
		duplicates += r.result.Duplicates
	}
	return started, duplicates
}

func TestTemporalDownAnswers503ThenAccepts(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	body := fixture(t, "meta_messenger.json")
	cases.setDown(true)
	r := postMeta(t, ts, body, metaSig(body))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if bytes.Contains(r.body, []byte("connection refused")) {
		t.Fatalf("internal error leaked to the platform: %s", r.body)
	}
	cases.setDown(false)
	r = postMeta(t, ts, body, metaSig(body))
	if r.status != http.StatusOK || r.result.Started != 2 || r.result.Edits != 1 {
		t.Fatalf("after recovery: %d %+v", r.status, r.result)
	}
}

func TestSubmitTimeoutAnswers503(t *testing.T) {
	cases := newFakeCases()
	cases.gate = make(chan struct{}) // never opened: Temporal hangs
	cfg := testConfig()
	cfg.SubmitTimeout = 50 * time.Millisecond
	ts := serve(t, cases, cfg)
	body := fixture(t, "x_dm.json")
	if r := postX(t, ts, body); r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d", r.status)
	}
}

func TestXReplyToTheCompanysReplyJoinsTheCase(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	if r := postX(t, ts, fixture(t, "x_tweet_create.json")); r.status != http.StatusOK || r.result.Started != 1 {
		t.Fatalf("%d %+v", r.status, r.result)
	}
	// Jane answers @acme_help's reply (…102), not her own post (…101).
	r := postX(t, ts, fixture(t, "x_tweet_reply.json"))
	if r.status != http.StatusOK || r.result.Joined != 1 || r.result.Cases[0] != "case/x/1860000000000000101" {
		t.Fatalf("%d %+v", r.status, r.result)
	}
	// Her edit of the first post and deletion of the answer reach that case.
	r = postX(t, ts, fixture(t, "x_delete_edit.json"))
	if r.status != http.StatusOK || r.result.Edits != 2 {
		t.Fatalf("%d %+v", r.status, r.result)
	}
	if e := cases.edits[1]; e.PostID != "1860000000000000104" || e.ThreadRoot != "1860000000000000101" {
		t.Fatalf("the deleted answer's edit names its case's root: %+v", e)
	}
	if n, _ := cases.count(); n != 1 {
		t.Fatalf("%d cases", n)
	}
}

func TestThreadIndexSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	cases := newFakeCases()
	store := openStore(t, path)
	ts := newTestServer(t, cases, WithStore(store))
	if r := postX(t, ts, fixture(t, "x_tweet_create.json")); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	ts.Close()
	store.Close()
	ts = newTestServer(t, cases, WithStore(openStore(t, path)))
	if r := postX(t, ts, fixture(t, "x_tweet_reply.json")); r.result.Joined != 1 {
		t.Fatalf("after a restart the reply still joins: %+v", r.result)
	}
}

// A shared store the index cannot be read from is a delivery to retry
// (503), not a follow-up that opens a case of its own.
func TestAStoreThatCannotBeReadIsRetried(t *testing.T) {
	cases := newFakeCases()
	store := openStore(t, filepath.Join(t.TempDir(), "shared.db"))
	ts := newTestServer(t, cases, WithStore(store))
	if r := postX(t, ts, fixture(t, "x_tweet_create.json")); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	store.Close()
	if r := postX(t, ts, fixture(t, "x_tweet_reply.json")); r.status != http.StatusServiceUnavailable {
		t.Fatalf("%d %+v", r.status, r.result)
	}
	if n, _ := cases.count(); n != 1 {
		t.Fatalf("%d cases", n)
	}
}

func openStore(t *testing.T, path string) *kv.Store {
	t.Helper()
	store, err := kv.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func TestEditsWithoutACaseAreAcknowledged(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	body := fixture(t, "meta_feed_edit_remove.json")
	r := postMeta(t, ts, body, metaSig(body))
	if r.status != http.StatusOK || r.result.Edits != 0 || r.result.Ignored != 3 {
		t.Fatalf("%d %+v", r.status, r.result)
	}
	cases.setDown(true)
	if r := postMeta(t, ts, body, metaSig(body)); r.status != http.StatusServiceUnavailable {
		t.Fatalf("an edit Temporal could not take is retried: %d", r.status)
	}
}

func TestGenericEndpoint(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	send := func(token, body string) reply {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/posts", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		return do(t, req)
	}
	one := `{"id":"web-20261122-0007","platform":"webchat","property":"acme.example",
		"author":{"id":"visitor-88","name":"Ola"},"text":"Is the Leeds store open on Sunday?","created_at":"2026-11-22T10:00:00Z"}`
	if r := send("", one); r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", r.status)
	}
	if r := send("Bearer test-bearer-tokenX", one); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", r.status)
	}
	if r := send("Basic dGVzdDp0ZXN0", one); r.status != http.StatusUnauthorized {
		t.Fatalf("basic auth: %d", r.status)
	}
	r := send("Bearer test-bearer-token", one)
	if r.status != http.StatusOK || r.result.Started != 1 || r.result.Cases[0] != "case/webchat/web-20261122-0007" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := send("bearer test-bearer-token", one); r.status != http.StatusOK || r.result.Duplicates != 1 {
		t.Fatalf("again: %d %s", r.status, r.body)
	}
	// One invalid post in a list stands alone: the valid one goes on, the
	// invalid one is a dead letter.
	list := `[` + strings.Replace(one, "web-20261122-0007", "web-3", 1) + `,{"id":"web-2","platform":"webchat","property":"acme.example","author":{"id":""},"text":"","created_at":"2026-11-22T10:00:00Z"}]`
	r = send("Bearer test-bearer-token", list)
	if r.status != http.StatusOK || r.result.Started != 1 || len(r.result.DeadLetter) != 1 ||
		!bytes.Contains(r.body, []byte("author.id is required")) || !bytes.Contains(r.body, []byte("text is required")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := send("Bearer test-bearer-token", `{"id":"1","platfrom":"x"}`); r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte("platfrom")) {
		t.Fatalf("misspelt field: %d %s", r.status, r.body)
	}
	if r := send("Bearer test-bearer-token", `[{"id":"1"`); r.status != http.StatusBadRequest {
		t.Fatalf("not JSON: %d %s", r.status, r.body)
	}
	// A post in a signed webhook's platform would take the case id of the
	// real tweet or comment: only the webhook may bring those.
	for _, platform := range []string{"x", "facebook", "instagram"} {
		forged := strings.NewReplacer(`"webchat"`, `"`+platform+`"`, "web-20261122-0007", "1860000000000000999").Replace(one)
		r := send("Bearer test-bearer-token", forged)
		if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte("served by its signed webhook")) || r.result.Started != 0 {
			t.Errorf("%s post on the generic endpoint: %d %s", platform, r.status, r.body)
		}
	}
	cases.mu.Lock()
	defer cases.mu.Unlock()
	if id := post.CaseID("x", "1860000000000000999"); cases.cases[id].ID != "" {
		t.Errorf("%s was started from the generic endpoint", id)
	}
}

func TestRoutes(t *testing.T) {
	cfg := testConfig()
	cfg.X.ConsumerSecret = ""
	s, err := NewServer(newFakeCases(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodPost, "/webhooks/x", http.StatusNotFound}, // no secret, no route
		{http.MethodPut, "/webhooks/meta", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/posts", http.StatusMethodNotAllowed},
		{http.MethodGet, "/", http.StatusNotFound},
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
	}
	bad := testConfig()
	bad.Meta.Accounts = append(bad.Meta.Accounts, config.IntakeAccount{ID: "1", Property: "x:@acme_help"})
	if _, err := NewServer(newFakeCases(), bad); err == nil || !strings.Contains(err.Error(), "intake.meta.accounts") {
		t.Fatalf("an X account under meta: %v", err)
	}
}

// slowCases is a Temporal that takes its time over every post.
type slowCases struct {
	*fakeCases
	takes time.Duration
}

func (s slowCases) Submit(ctx context.Context, p post.Post) (caseapi.Outcome, error) {
	time.Sleep(s.takes)
	return s.fakeCases.Submit(ctx, p)
}

// A delivery bigger than its budget is answered in time: the posts not
// submitted by then are kept, synced, and submitted in the background.
func TestABigDeliveryIsAnsweredWithinItsBudget(t *testing.T) {
	cases := newFakeCases()
	cfg := testConfig()
	cfg.Parallelism, cfg.DeliveryBudget = 2, 100*time.Millisecond
	store := openStore(t, filepath.Join(t.TempDir(), "shared.db"))
	dead := NewDeadLetters(store)
	ts := serve(t, slowCases{cases, 20 * time.Millisecond}, cfg, WithStore(store))
	posts := make([]string, 60)
	for i := range posts {
		posts[i] = fmt.Sprintf(`{"id":"web-%d","platform":"webchat","property":"acme.example","author":{"id":"v%d"},"text":"hello","created_at":"2015-11-23T10:00:00Z"}`, i, i)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/posts", strings.NewReader("["+strings.Join(posts, ",")+"]"))
	req.Header.Set("Authorization", "Bearer test-bearer-token")
	start := time.Now()
	r := do(t, req)
	if took := time.Since(start); r.status != http.StatusOK || took > time.Second {
		t.Fatalf("%d after %s: %s", r.status, took, r.body)
	}
	if r.result.Deferred == 0 || r.result.Started+r.result.Deferred != len(posts) {
		t.Fatalf("started %d, deferred %d of %d", r.result.Started, r.result.Deferred, len(posts))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := cases.count()
		letters, err := dead.List(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		left := len(letters)
		if n == len(posts) && left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d cases and %d posts still deferred after 10 s", n, len(posts), left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A reply to a reply in the same delivery joins the case the first post
// opened: each post is pointed at its case just before it is submitted,
// once the posts before it are recorded.
func TestAReplyChainInOneDeliveryIsOneCase(t *testing.T) {
	cases := newFakeCases()
	ts := newTestServer(t, cases)
	chain := `[{"id":"a","platform":"webchat","property":"acme.example","author":{"id":"v1"},"text":"my order is late","created_at":"2015-11-23T10:00:00Z"},
		{"id":"b","platform":"webchat","property":"acme.example","author":{"id":"v1"},"text":"still late","created_at":"2015-11-23T10:01:00Z","in_reply_to":"a"},
		{"id":"c","platform":"webchat","property":"acme.example","author":{"id":"v1"},"text":"hello?","created_at":"2015-11-23T10:02:00Z","in_reply_to":"b"}]`
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/posts", strings.NewReader(chain))
	req.Header.Set("Authorization", "Bearer test-bearer-token")
	if r := do(t, req); r.status != http.StatusOK || r.result.Started != 1 || r.result.Joined != 2 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}
