package bulkimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/post"
)

// cases stands in for caseapi.Client: a case per deterministic id, a
// follow-up of the same customer joins the case its thread names, and it
// can be made to fail like an unreachable Temporal.
type cases struct {
	mu      sync.Mutex
	open    map[string]post.Post
	seen    map[string]int // submits per post id
	posts   []post.Post
	failAt  int // the submit number from which Temporal is down; 0 never
	failFor int // how many submits fail from failAt on; 0 all
	submits int
	onCall  func(n int)
}

func newCases() *cases { return &cases{open: map[string]post.Post{}, seen: map[string]int{}} }

func (c *cases) Submit(ctx context.Context, p post.Post) (caseapi.Outcome, error) {
	c.mu.Lock()
	c.submits++
	n := c.submits
	hook := c.onCall
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failAt > 0 && n >= c.failAt && (c.failFor == 0 || n < c.failAt+c.failFor) {
		return caseapi.Outcome{}, errors.New("rpc error: code = Unavailable desc = connection refused")
	}
	if err := ctx.Err(); err != nil {
		return caseapi.Outcome{}, err
	}
	if err := p.Validate(); err != nil {
		return caseapi.Outcome{}, fmt.Errorf("%w %q: %w", caseapi.ErrInvalidPost, p.ID, err)
	}
	c.seen[p.ID]++
	c.posts = append(c.posts, p)
	if root := p.ThreadRoot(); root != "" && root != p.ID {
		id := post.CaseID(p.Platform, root)
		if first, ok := c.open[id]; ok && first.CustomerKey() == p.CustomerKey() {
			return caseapi.Outcome{CaseID: id, Joined: true}, nil
		}
	}
	if _, ok := c.open[p.CaseID()]; ok {
		return caseapi.Outcome{CaseID: p.CaseID(), Duplicate: true}, nil
	}
	c.open[p.CaseID()] = p
	return caseapi.Outcome{CaseID: p.CaseID(), Started: true}, nil
}

func fast(o Options) Options {
	o.Rate = -1
	o.Backoff = time.Millisecond
	return o
}

func TestIngestTwitterCSV(t *testing.T) {
	c := newCases()
	sum, err := RunFile(context.Background(), filepath.Join("testdata", "twcs_sample.csv"), "", c, fast(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != TwitterCSV || !sum.Complete || sum.Records != 12 {
		t.Fatalf("%+v", sum)
	}
	if sum.Started != 4 || sum.Joined != 1 || sum.Duplicates != 1 || sum.Skipped != 2 || sum.RejectedCount != 4 {
		t.Fatalf("started %d joined %d duplicates %d skipped %d rejected %d",
			sum.Started, sum.Joined, sum.Duplicates, sum.Skipped, sum.RejectedCount)
	}
	want := []Rejection{
		{Line: 9, Reason: `created_at "yesterday evening" is not like "Tue Oct 31 22:10:47 +0000 2017"`},
		{Line: 10, Reason: `inbound "maybe" is not True or False`},
		{Line: 11, Reason: "the text mentions no account: give the property it was sent to"},
		{Line: 12, Reason: "5 fields, want 7"},
	}
	if fmt.Sprint(sum.Rejected) != fmt.Sprint(want) {
		t.Fatalf("rejected\n got %v\nwant %v", sum.Rejected, want)
	}
	byID := map[string]post.Post{}
	for _, p := range c.posts {
		byID[p.ID] = p
	}
	// The customer's "sent!" answers the company's reply 101; it joins the
	// case of 102, the post 101 answered.
	if p := byID["103"]; p.ThreadID != "102" || p.InReplyTo != "101" {
		t.Fatalf("103: %+v", p)
	}
	if p := byID["104"]; p.Property != "@acme_news" || p.Text != "@acme_news is the Leeds store\nclosing for good?\nAsking for my mum" {
		t.Fatalf("104: %+v", p)
	}
	if p := byID["110"]; p.Text != `@acme_help the "express" option cost £9 & took 6 days` || !p.CreatedAt.Equal(time.Date(2017, 10, 31, 22, 30, 0, 0, time.UTC)) { // the fixture's timestamp: data, not a clock
		t.Fatalf("110: %+v", p)
	}
	// Another customer in the same thread opens a case of their own.
	if _, ok := c.open["case/x/111"]; !ok {
		t.Fatalf("cases %v", c.open)
	}
}

func TestIngestCSVWithAFixedProperty(t *testing.T) {
	in := strings.Join(TwitterCSVHeader, ",") + "\n" +
		"7,900,true,Wed Nov 01 09:00:00 +0000 2017,my bill doubled this month,,\n"
	c := newCases()
	sum, err := Run(context.Background(), strings.NewReader(in), TwitterCSV, c, fast(Options{Map: MapOptions{Property: "@acme_help"}}))
	if err != nil || sum.Started != 1 || c.posts[0].PropertyKey() != "x:@acme_help" {
		t.Fatalf("%v %+v %+v", err, sum, c.posts)
	}
	if _, err := Run(context.Background(), strings.NewReader("id,text\n1,hi\n"), TwitterCSV, c, fast(Options{})); err == nil || !strings.Contains(err.Error(), `lacks column "tweet_id"`) {
		t.Fatalf("wrong header: %v", err)
	}
}

func TestIngestJSONLines(t *testing.T) {
	c := newCases()
	sum, err := RunFile(context.Background(), filepath.Join("testdata", "posts_sample.jsonl"), "", c, fast(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != JSONL || sum.Records != 8 || sum.Started != 2 || sum.Joined != 1 || sum.Duplicates != 1 || sum.RejectedCount != 4 {
		t.Fatalf("%+v", sum)
	}
	lines := []int{}
	for _, r := range sum.Rejected {
		lines = append(lines, r.Line)
	}
	if fmt.Sprint(lines) != "[4 5 6 7]" {
		t.Fatalf("rejected lines %v: %+v", lines, sum.Rejected)
	}
	for i, want := range []string{"malformed post", "author.id is required; text is required", `unknown field "msg"`, "not a JSON object"} {
		if !strings.Contains(sum.Rejected[i].Reason, want) {
			t.Errorf("line %d: %q lacks %q", sum.Rejected[i].Line, sum.Rejected[i].Reason, want)
		}
	}
	var out bytes.Buffer
	sum.Write(&out)
	for _, want := range []string{"started    2", "joined     1", "duplicates 1", "rejected   4", "line 5: author.id is required"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestIngestLongLineIsOneRejection(t *testing.T) {
	long := `{"id":"1","text":"` + strings.Repeat("a", MaxLineBytes) + `"}`
	good := `{"id":"2","platform":"x","property":"@acme_help","author":{"id":"u"},"text":"hi","created_at":"2026-11-22T10:00:00Z"}`
	c := newCases()
	sum, err := Run(context.Background(), strings.NewReader(long+"\n"+good+"\n"), JSONL, c, fast(Options{}))
	if err != nil || sum.RejectedCount != 1 || sum.Rejected[0].Line != 1 || sum.Started != 1 {
		t.Fatalf("%v %+v", err, sum)
	}
}

func jsonlPosts(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"id":"web-%03d","platform":"webchat","property":"acme.example","author":{"id":"visitor-%d"},"text":"question %d","created_at":"2026-11-22T10:%02d:00Z"}`+"\n", i, i, i, i%60)
	}
	return b.String()
}

func TestIngestResumesAfterTemporalFails(t *testing.T) {
	in := jsonlPosts(30)
	cp := filepath.Join(t.TempDir(), "cp.json")
	c := newCases()
	c.failAt = 13 // the 13th submit and every one after it fail
	sum, err := Run(context.Background(), strings.NewReader(in), JSONL, c, fast(Options{Name: "web.jsonl", Checkpoint: cp, Retries: 3}))
	if err == nil || !strings.Contains(err.Error(), "line 13 of web.jsonl") || !strings.Contains(err.Error(), "after 3 tries") {
		t.Fatalf("error %v", err)
	}
	if sum.Complete || sum.Started != 12 || sum.Records != 12 {
		t.Fatalf("first run %+v", sum)
	}
	c.mu.Lock()
	c.failAt = 0
	c.mu.Unlock()
	sum, err = Run(context.Background(), strings.NewReader(in), JSONL, c, fast(Options{Name: "web.jsonl", Checkpoint: cp}))
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Complete || sum.ResumedAt != 12 || sum.Records != 30 || sum.Started != 30 || sum.Duplicates != 0 {
		t.Fatalf("resumed run %+v", sum)
	}
	for id, n := range c.seen {
		if n != 1 {
			t.Fatalf("%s accepted %d times", id, n)
		}
	}
	// Run again: nothing left to do, the counts stand.
	again, err := Run(context.Background(), strings.NewReader(in), JSONL, c, fast(Options{Name: "web.jsonl", Checkpoint: cp}))
	if err != nil || again.Started != 30 || c.submits != 30+3 {
		t.Fatalf("%v %+v, %d submits", err, again, c.submits)
	}
}

func TestIngestResumesAfterInterruption(t *testing.T) {
	in := jsonlPosts(20)
	cp := filepath.Join(t.TempDir(), "cp.json")
	c := newCases()
	ctx, cancel := context.WithCancel(context.Background())
	c.onCall = func(n int) {
		if n == 7 {
			cancel() // Ctrl-C while the 7th post is being submitted
		}
	}
	sum, err := Run(ctx, strings.NewReader(in), JSONL, c, fast(Options{Checkpoint: cp}))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted before line 7") {
		t.Fatalf("error %v", err)
	}
	if sum.Records != 6 || sum.Started != 6 {
		t.Fatalf("interrupted %+v", sum)
	}
	c.onCall = nil
	sum, err = Run(context.Background(), strings.NewReader(in), JSONL, c, fast(Options{Checkpoint: cp}))
	if err != nil || sum.Started != 20 || sum.ResumedAt != 6 || sum.Duplicates != 0 {
		t.Fatalf("%v %+v", err, sum)
	}
}

func TestIngestResumeKeepsThreads(t *testing.T) {
	// The reply on line 3 answers the company's row on line 2, which
	// answers the post on line 1; the first run stops after line 2.
	in := strings.Join(TwitterCSVHeader, ",") + "\n" +
		"1,500,True,Wed Nov 01 09:00:00 +0000 2017,@acme_help my card was charged twice,2,\n" +
		"2,acme_help,False,Wed Nov 01 09:05:00 +0000 2017,@500 please DM us,3,1\n" +
		"3,500,True,Wed Nov 01 09:09:00 +0000 2017,@acme_help done,,2\n"
	cp := filepath.Join(t.TempDir(), "cp.json")
	c := newCases()
	c.failAt = 2
	if _, err := Run(context.Background(), strings.NewReader(in), TwitterCSV, c, fast(Options{Checkpoint: cp, Retries: 1})); err == nil {
		t.Fatal("the first run should stop")
	}
	c.failAt = 0
	sum, err := Run(context.Background(), strings.NewReader(in), TwitterCSV, c, fast(Options{Checkpoint: cp}))
	if err != nil || sum.Joined != 1 || sum.Started != 1 {
		t.Fatalf("%v %+v", err, sum)
	}
}

func TestIngestCheckpointOfAnotherInput(t *testing.T) {
	cp := filepath.Join(t.TempDir(), "cp.json")
	c := newCases()
	if _, err := Run(context.Background(), strings.NewReader(jsonlPosts(3)), JSONL, c, fast(Options{Checkpoint: cp})); err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(jsonlPosts(3), "question 1", "another question", 1)
	if _, err := Run(context.Background(), strings.NewReader(other), JSONL, c, fast(Options{Checkpoint: cp})); err == nil || !strings.Contains(err.Error(), "another input") {
		t.Fatalf("%v", err)
	}
	sum, err := Run(context.Background(), strings.NewReader(other), JSONL, c, fast(Options{Checkpoint: cp, Restart: true}))
	// Same ids, so the cases already exist: a restart starts nothing twice.
	if err != nil || sum.Started != 0 || sum.Duplicates != 3 || sum.ResumedAt != 0 {
		t.Fatalf("restart: %v %+v", err, sum)
	}
	if err := os.WriteFile(cp, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), strings.NewReader(other), JSONL, c, fast(Options{Checkpoint: cp})); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("%v", err)
	}
}

func TestIngestRetriesATransientFailure(t *testing.T) {
	c := newCases()
	c.failAt, c.failFor = 2, 2 // the 2nd and 3rd submits fail
	sum, err := Run(context.Background(), strings.NewReader(jsonlPosts(3)), JSONL, c, fast(Options{Retries: 3}))
	if err != nil || sum.Started != 3 || c.submits != 5 {
		t.Fatalf("%v %+v after %d submits", err, sum, c.submits)
	}
}

func TestIngestRateLimit(t *testing.T) {
	c := newCases()
	start := time.Now()
	// Burst of one, then one every 20ms: ten posts take at least 180ms.
	if _, err := Run(context.Background(), strings.NewReader(jsonlPosts(10)), JSONL, c, Options{Rate: 50}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 170*time.Millisecond {
		t.Fatalf("10 posts at 50/s took %s", d)
	}
	start = time.Now()
	if _, err := Run(context.Background(), strings.NewReader(jsonlPosts(200)), JSONL, newCases(), Options{Rate: -1}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("unlimited took %s", d)
	}
}

func TestIngestProgressBar(t *testing.T) {
	var bar bytes.Buffer
	if _, err := Run(context.Background(), strings.NewReader(jsonlPosts(5)), JSONL, newCases(), fast(Options{Name: "web.jsonl", Progress: &bar, Size: int64(len(jsonlPosts(5)))})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "import web.jsonl") || !strings.Contains(bar.String(), "100%") {
		t.Fatalf("bar %q", bar.String())
	}
	// A file that is not a terminal (a log, a pipe) gets no bar.
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Run(context.Background(), strings.NewReader(jsonlPosts(5)), JSONL, newCases(), fast(Options{Progress: f})); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Fatalf("%d bytes of bar in a file", st.Size())
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       Format
	}{
		{"posts.jsonl", "", JSONL},
		{"export.txt", ` {"id":"1"}`, JSONL},
		{"twcs.csv", "", TwitterCSV},
		{"data", "tweet_id,author_id,inbound,created_at", TwitterCSV},
		{"data", "\ufefftweet_id,author_id,inbound,created_at", TwitterCSV},
	} {
		if got, err := DetectFormat(tc.name, []byte(tc.head)); err != nil || got != tc.want {
			t.Errorf("%s %q: %s %v", tc.name, tc.head, got, err)
		}
	}
	if _, err := DetectFormat("data.bin", []byte("PK\x03\x04")); err == nil {
		t.Error("a zip file has a format")
	}
	if f, err := ParseFormat("CSV"); err != nil || f != TwitterCSV {
		t.Errorf("%s %v", f, err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
	if p := CheckpointPath("/var/lib/sb", "/tmp/twcs.csv"); !strings.HasPrefix(p, "/var/lib/sb/import/twcs.csv-") || !strings.HasSuffix(p, ".checkpoint.json") {
		t.Errorf("checkpoint path %s", p)
	}
}
