package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/post"
)

// runRoot runs the command line with args and stdin, returning stdout,
// stderr and the exit code.
func runRoot(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv(config.EnvConfigFile, "") // the embedded demo configuration
	root := NewRoot()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := 0
	if err := root.Execute(); err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
		code = exitCode(err)
	}
	return out.String(), errOut.String(), code
}

const triagePosts = `{"id":"x-1","platform":"x","property":"@acme_help","author":{"id":"u1","followers":20},"text":"Get 10k followers today, cheap and real 🚀 https://growfast.top/now","created_at":"2026-11-22T10:00:00Z"}
{"id":"x-2","platform":"x","property":"@acme_help","author":{"id":"u2","followers":15000},"text":"my order AC-553311 never arrived and I was charged twice, card 4111 1111 1111 1111","created_at":"2026-11-22T10:01:00Z"}
not json
{"id":"x-3","platform":"x","property":"@acme_help","author":{"id":"u3"},"text":"","created_at":"2026-11-22T10:02:00Z"}
{"id":"fb-4","platform":"facebook","property":"acme","author":{"id":"u4"},"text":"Votre nouvelle pub de Noël est magnifique, bravo 👏","created_at":"2026-11-22T10:03:00Z"}
`

func TestTriageCommand(t *testing.T) {
	out, errOut, code := runRoot(t, triagePosts, "triage")
	if code != ExitError {
		t.Errorf("exit %d with two bad lines, want %d", code, ExitError)
	}
	for _, want := range []string{"line 3: invalid character", "line 4: text is required", "2 of 5 lines were not valid posts"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d results, want 3:\n%s", len(lines), out)
	}
	for _, field := range []string{"id", "intent", "department", "priority", "language", "sentiment", "private", "reasons"} {
		for _, l := range lines {
			if _, ok := l[field]; !ok {
				t.Errorf("%v lacks %s", l["id"], field)
			}
		}
	}
	want := []struct {
		id, intent, dept, prio string
		private                bool
	}{
		{"x-1", "spam", "none", "", false},
		{"x-2", "account_issue", "support", "P2", true},
		{"fb-4", "praise", "marketing", "P4", false},
	}
	for i, w := range want {
		l := lines[i]
		if l["id"] != w.id || l["intent"] != w.intent || l["department"] != w.dept || l["priority"] != w.prio || l["private"] != w.private {
			t.Errorf("line %d = %v, want %+v", i, l, w)
		}
	}
	if strings.Contains(out, "4111") || strings.Contains(out, "553311") {
		t.Errorf("personal data in the output:\n%s", out)
	}
	if lines[1]["watchers"].([]any)[0] != "pr" || lines[2]["language"] != "fr" {
		t.Errorf("watchers %v, language %v", lines[1]["watchers"], lines[2]["language"])
	}
}

func TestTriageEvalCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "labelled.jsonl")
	labelled := `{"id":"e-1","platform":"x","property":"@acme_help","author":{"id":"a"},"text":"The Acme kettle sparked and caught fire in my kitchen","created_at":"2026-11-22T10:00:00Z","expect":{"intent":"safety","department":"coe","language":"en"}}
{"id":"e-2","platform":"x","property":"@acme_news","author":{"id":"b"},"text":"Reporter at the Evening Post, could Acme comment on the store closures?","created_at":"2026-11-22T10:01:00Z","expect":{"intent":"press_inquiry","department":"pr","language":"en"}}
{"id":"e-3","platform":"x","property":"@acme_help","author":{"id":"c"},"text":"Danke für die schnelle Hilfe, tolles Team!","created_at":"2026-11-22T10:02:00Z","expect":{"intent":"praise","department":"marketing","language":"es"}}
`
	if err := os.WriteFile(file, []byte(labelled), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runRoot(t, "", "triage", "eval", file, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Posts  int `json:"posts"`
		Fields map[string]struct {
			Correct  int      `json:"correct"`
			Scored   int      `json:"scored"`
			Accuracy float64  `json:"accuracy"`
			Labels   []string `json:"labels"`
			Matrix   [][]int  `json:"matrix"`
		} `json:"fields"`
		Misses []struct{ ID, Field, Expected, Got string } `json:"misses"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Posts != 3 || rep.Fields["intent"].Correct != 3 || rep.Fields["department"].Correct != 3 || rep.Fields["language"].Correct != 2 {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Misses) != 1 || rep.Misses[0].ID != "e-3" || rep.Misses[0].Got != "de" {
		t.Fatalf("misses %+v", rep.Misses)
	}
	if l := rep.Fields["language"]; strings.Join(l.Labels, ",") != "de,en,es" || l.Matrix[2][0] != 1 {
		t.Fatalf("language confusion %v %v", l.Labels, l.Matrix)
	}

	text, _, code := runRoot(t, "", "triage", "eval", file)
	for _, want := range []string{"intent 3/3 100.0%", "spam false positives 0/3 0.0%", "safety precision 1/1 100.0%", "press_inquiry precision 1/1 100.0%", "legal_threat precision 0/0 —", "e-3 language: expected es, got de"} {
		if code != 0 || !slices.ContainsFunc(strings.Split(text, "\n"), func(line string) bool { return strings.Join(strings.Fields(line), " ") == want }) {
			t.Fatalf("text report (exit %d) lacks %q:\n%s", code, want, text)
		}
	}
	if !strings.Contains(text, "calibration of the model's own decisions") {
		t.Fatalf("no calibration table:\n%s", text)
	}
	if _, errOut, code := runRoot(t, "", "triage", "eval", filepath.Join(t.TempDir(), "missing.jsonl")); code != ExitUsage {
		t.Fatalf("missing file: exit %d, %s", code, errOut)
	}
}

func TestTriageLearnCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "corrections.jsonl")
	corrections := `{"post":{"id":"c-1","platform":"x","property":"@acme_help","author":{"id":"a"},"text":"servers cooked again, rubberbanding every ranked match","created_at":"2026-11-22T10:00:00Z"},"intent":"complaint","department":"support"}
{"post":{"id":"c-2","platform":"x","property":"@acme_help","author":{"id":"b"},"text":"the neon skin I bought is not in my locker","created_at":"2026-11-22T10:01:00Z"},"department":"support"}
{"post":{"id":"c-3","platform":"x","property":"@acme_help","author":{"id":"c"},"text":"please tell your lawyers my skin is gone","created_at":"2026-11-22T10:02:00Z"},"department":"legal"}
`
	if err := os.WriteFile(file, []byte(corrections), 0o600); err != nil {
		t.Fatal(err)
	}
	modelDir := filepath.Join(dir, "model")
	out, errOut, code := runRoot(t, "", "triage", "learn", file, "--out", modelDir)
	// c-2's department is the route of several intents: skipped; c-3's is
	// legal_threat's alone.
	if code != 0 || !strings.Contains(out, "and 2 corrections (1 skipped") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	meta, err := os.ReadFile(filepath.Join(modelDir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var model struct{ Version string }
	if err := json.Unmarshal(meta, &model); err != nil || model.Version == "" || !strings.Contains(out, "model "+model.Version) {
		t.Fatalf("model.json %s (%v), output %s", meta, err, out)
	}
	post := `{"id":"x-1","platform":"x","property":"@acme_help","author":{"id":"u1"},"text":"lobby kicked me 3 times tonight","created_at":"2026-11-22T10:00:00Z"}` + "\n"
	for _, args := range [][]string{{"triage", "--model", modelDir}, {"triage"}} {
		out, errOut, code := runRoot(t, post, args...)
		var line map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &line) != nil {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errOut)
		}
		if _, ok := line["needs_review"]; !ok {
			t.Errorf("%v: no needs_review in %s", args, out)
		}
		if learned := line["model_version"] == model.Version; learned != (len(args) == 3) {
			t.Errorf("%v: model_version %v, learned model %s", args, line["model_version"], model.Version)
		}
	}
	if _, errOut, code := runRoot(t, "", "triage", "learn", file); code != ExitUsage {
		t.Fatalf("no --out: exit %d, %s", code, errOut)
	}
}

// The corrections the cases recorded in the shared store come out as the
// lines `triage learn` reads.
func TestTriageCorrectionsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_DATA_DIR", dir)
	shared, err := kv.Open(context.Background(), filepath.Join(dir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	p := post.Post{ID: "c-1", Platform: "x", Property: "@acme_help", Author: post.Author{ID: "a"}, Text: "please tell your lawyers my skin is gone",
		CreatedAt: time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC)}
	if err := retrain.NewStore(shared).Add(context.Background(), casestate.Correction{Key: "case/x/c-1#4", Post: p, Department: "legal", By: "sam"}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runRoot(t, "", "triage", "corrections")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"department":"legal"`) {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	learned, errOut, code := runRoot(t, out, "triage", "learn", "-", "--out", filepath.Join(dir, "model"))
	if code != 0 || !strings.Contains(learned, "and 1 corrections (0 skipped") {
		t.Fatalf("exit %d: %s%s", code, learned, errOut)
	}
}
