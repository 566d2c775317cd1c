//go:build faults

package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/devserver"
	"github.com/switchboard-care/switchboard/internal/devserver/devservertest"
	"github.com/switchboard-care/switchboard/internal/stack"
	"github.com/switchboard-care/switchboard/internal/stack/stacktest"
)

// replicas is switchboard as a deployment runs it: every part twice, each
// replica with a data folder of its own (as on its own host), all on one
// Temporal cluster and one PostgreSQL for what they share.
type replicas struct {
	t        *testing.T
	s        *stack.Stack
	ctx      context.Context
	env      []string // the shared settings: the store, the publisher
	workers  []*stack.Process
	intakes  []*stack.Process
	consoles []*stack.Process
	urls     map[*stack.Process]string
}

func (r *replicas) start(kind string, n int) *stack.Process {
	r.t.Helper()
	name := fmt.Sprintf("%s-%d", kind, n)
	o := stack.ProcessOptions{Binary: switchboardBin, Args: []string{kind}, Name: name,
		Env: append([]string{"SWITCHBOARD_DATA_DIR=" + filepath.Join(r.s.Dir, name)}, r.env...)}
	var base string
	switch kind {
	case "worker":
		o.TaskQueue = r.s.Config.Temporal.TaskQueue
	default:
		port, err := devserver.FreePort()
		if err != nil {
			r.t.Fatal(err)
		}
		base = fmt.Sprintf("http://127.0.0.1:%d", port)
		o.ReadyURL = base + "/healthz"
		o.Env = append(o.Env, fmt.Sprintf("SWITCHBOARD_%s_LISTEN=127.0.0.1:%d", strings.ToUpper(kind), port))
	}
	p, err := r.s.StartProcess(r.ctx, o)
	if err != nil {
		r.t.Fatalf("start %s: %v", name, err)
	}
	r.t.Cleanup(func() { _ = p.Stop() })
	r.urls[p] = base
	return p
}

// TestReplicasShareState runs two workers, two intakes and two consoles on
// the cluster and one PostgreSQL, and checks what replicas must share: a
// console session made on one console works on the other and ends on both;
// a webhook delivered to one intake and redelivered to the other makes one
// case; a follow-up joins its thread through the other intake; posts keep
// their cases while an intake is killed; replies published while a worker
// is killed reach the platform once each.
func TestReplicasShareState(t *testing.T) {
	if os.Getenv(devservertest.EnvBackend) != "postgres" {
		t.Skip("needs the cluster on PostgreSQL: make test-cluster")
	}
	s := stacktest.ForTestNoWorker(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	pg := s.Server.Cluster.Postgres
	if err := pg.CreateDatabase(ctx, "switchboard"); err != nil {
		t.Fatal(err)
	}
	platform := &fakeX{}
	web := httptest.NewServer(platform)
	t.Cleanup(web.Close)
	conf := xPublisherConfig(t, s.Dir, web.URL, "2s")
	r := &replicas{t: t, s: s, ctx: ctx, urls: map[*stack.Process]string{},
		env: []string{"SWITCHBOARD_STORE_URL=" + pg.URL("switchboard"), "SWITCHBOARD_CONFIG=" + conf}}
	for n := 1; n <= 2; n++ {
		r.workers = append(r.workers, r.start("worker", n))
		r.intakes = append(r.intakes, r.start("intake", n))
		r.consoles = append(r.consoles, r.start("console", n))
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}

	// Console: signed in on one, the other knows the session; signed out
	// on the other, the first no longer does.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c1, c2 := r.urls[r.consoles[0]], r.urls[r.consoles[1]]
	csrf := signIn(t, browser, c1, "sam")
	if code, page := get(t, browser, c2+"/inbox"); code != http.StatusOK || !strings.Contains(page, "sam") {
		t.Fatalf("the other console: %d", code)
	}
	if code, _ := postForm(t, browser, c2+"/logout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("sign out on the other console: %d", code)
	}
	if code, _ := get(t, browser, c1+"/inbox"); code != http.StatusSeeOther {
		t.Fatalf("the first console after signing out on the other: %d", code)
	}
	t.Log("checked: a session made on console 1 works on console 2; signed out on 2, it is gone on 1")

	// Intake: one webhook through both intakes is one case; the customer's
	// answer to the brand's reply joins it through the other intake.
	secret := []byte(cfg.Intake.X.ConsumerSecret)
	created := readFixture(t, "x_tweet_create.json")
	i1, i2 := r.urls[r.intakes[0]], r.urls[r.intakes[1]]
	first, again := deliverX(t, i1, secret, created), deliverX(t, i2, secret, created)
	if first.Started != 1 || again.Started != 0 || again.Duplicates != 1 || first.Cases[0] != again.Cases[0] {
		t.Fatalf("delivered to intake 1: %+v; redelivered to intake 2: %+v", first, again)
	}
	answer := deliverX(t, i2, secret, readFixture(t, "x_tweet_reply.json"))
	if answer.Joined != 1 || answer.Cases[0] != first.Cases[0] {
		t.Fatalf("the answer through intake 2: %+v, want it to join %s", answer, first.Cases[0])
	}
	t.Logf("checked: a webhook delivered to intake 1 and again to intake 2 made one case (%s); the customer's answer to the brand's reply joined it through intake 2", first.Cases[0])

	// Posts keep coming while intake 1 is killed: what it cannot take goes
	// to intake 2, as a platform's retry would.
	const posts = 30
	refused := 0
	for i := range posts {
		if i == posts/3 {
			if err := r.intakes[0].Kill(); err != nil {
				t.Fatal(err)
			}
		}
		body := fmt.Sprintf(`{"id":"replica-%d","platform":"webchat","property":"acme.example","author":{"id":"visitor-%d"},"text":"Is the Leeds store open on Sunday?","created_at":%q}`,
			i, i, time.Now().UTC().Format(time.RFC3339))
		if _, err := deliverGeneric(i1, cfg.Intake.Generic.BearerToken, body); err != nil {
			refused++
			if _, err := deliverGeneric(i2, cfg.Intake.Generic.BearerToken, body); err != nil {
				t.Fatalf("post %d through intake 2: %v", i, err)
			}
		}
	}
	ids := make([]string, posts)
	for i := range ids {
		ids[i] = fmt.Sprintf("case/webchat/replica-%d", i)
	}
	settle(t, ctx, s, append(ids, first.Cases[0]))
	t.Logf("checked: %d posts, intake 1 killed after %d: %d deliveries refused and delivered to intake 2", posts, posts/3, refused)

	// Replies: a burst on X cases, worker 1 killed in the middle of it.
	const replies = 24
	_, sent, duplicates, missing := replyBurst(t, ctx, s, platform, "replica-x", replies, r.workers[0].Kill)
	t.Logf("checked: %d replies, worker 1 killed mid-burst: %d posts reached the platform, %d duplicates, %d missing", replies, sent, duplicates, missing)
	if duplicates != 0 || missing != 0 || sent != replies {
		t.Fatalf("%d posts for %d replies", sent, replies)
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs agent in on the console at base and returns the session's
// form token.
func signIn(t *testing.T, c *http.Client, base, agent string) string {
	t.Helper()
	_, page := get(t, c, base+"/login")
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", page)
	}
	if code, _ := postForm(t, c, base+"/login", url.Values{"csrf": {m[1]}, "agent": {agent}, "password": {"demo"}, "next": {"/inbox"}}); code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", agent, code)
	}
	_, page = get(t, c, base+"/inbox")
	if m = csrfInput.FindStringSubmatch(page); m == nil {
		t.Fatalf("no form token on the inbox:\n%s", page)
	}
	return m[1]
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "intake", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deliverX posts an X webhook body, signed as X signs it, to the intake at
// base and requires it acknowledged.
func deliverX(t *testing.T, base string, secret, body []byte) intake.Result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/x", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-twitter-webhooks-signature", intake.SignX(secret, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out intake.Result
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("X webhook to %s: %d %v", base, res.StatusCode, err)
	}
	return out
}

// deliverGeneric posts one canonical post to the intake at base; an error
// is a delivery to make again.
func deliverGeneric(base, token, body string) (intake.Result, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/posts", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	client := http.Client{Timeout: 15 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return intake.Result{}, err
	}
	defer res.Body.Close()
	var out intake.Result
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Started+out.Duplicates != 1 {
		return out, fmt.Errorf("delivery to %s: %d %+v %v", base, res.StatusCode, out, err)
	}
	return out, nil
}
