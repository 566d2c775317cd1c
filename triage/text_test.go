package triage

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		text    string
		tokens  []string
		plain   string
		letters int
	}{
		{"@acme_help Mi PEDIDO no llegó 😡", []string{"mi", "pedido", "no", "llego", "😡"}, "Mi PEDIDO no llegó", 15},
		{"Straße, Œuvre & Ærø: ok?", []string{"strasse", "oeuvre", "aero", "ok", "[?]"}, "Straße Œuvre Ærø ok", 16},
		{"see https://acme.example/x?y=1 and bit.ly/abc now", []string{"see", tokURL, "and", tokURL, "now"}, "see and now", 9},
		{"card [card] mail [email], order 12345 #fail", []string{"card", "[card]", "mail", "[email]", "order", "fail"}, "card mail order fail", 17},
		{"l'avocat n'est pas là", []string{"l", "avocat", "n", "est", "pas", "la"}, "l avocat n est pas là", 16},
		{"👍🏽❤️", []string{"👍", "❤"}, "", 0},
	}
	for _, c := range cases {
		d := tokenize(c.text)
		if !slices.Equal(d.tokens, c.tokens) || d.plain != c.plain || d.letters != c.letters {
			t.Errorf("tokenize(%q) = %q %q %d, want %q %q %d", c.text, d.tokens, d.plain, d.letters, c.tokens, c.plain, c.letters)
		}
	}
	if !tokenize("win big https://x.io/a").hasURL || tokenize("no link here").hasURL {
		t.Error("hasURL wrong")
	}
}

func TestPhraseMatching(t *testing.T) {
	x := &phraseIndex{byFirst: map[string][]int{}}
	lawyer := x.add("Lawyer*")
	court := x.add("see you in court")
	anwalt := x.add("ANWÄLTIN")
	url := x.add("[url]")
	found := make([]bool, len(x.phrases))
	x.match(tokenize("My lawyers will see you in court, says die Anwaltin https://x.io/").tokens, found)
	for name, id := range map[string]int{"lawyer*": lawyer, "court": court, "anwältin": anwalt, "[url]": url} {
		if !found[id] {
			t.Errorf("%s not found", name)
		}
	}
	found = make([]bool, len(x.phrases))
	x.match(tokenize("a law firm; see you on court 3").tokens, found)
	if slices.Contains(found, true) {
		t.Errorf("matched %v in a text with none of the phrases", found)
	}
}

func TestRuleWithAndUnless(t *testing.T) {
	cfg := Config{Intents: []string{"press_inquiry", "other"}, Rules: map[string]Rule{
		"press": {Intent: "press_inquiry", Any: []string{"journalist"}, With: []string{"comment"}, Unless: []string{"my order"}},
	}}
	x := &phraseIndex{byFirst: map[string][]int{}}
	r := compileRules(&cfg, x)[0]
	fire := func(text string) bool {
		found := make([]bool, len(x.phrases))
		x.match(tokenize(text).tokens, found)
		_, ok := r.fire(found, text)
		return ok
	}
	if !fire("Journalist here, would Acme comment?") {
		t.Error("any+with did not fire")
	}
	if fire("Journalist here, love the shop") {
		t.Error("fired without a with phrase")
	}
	if fire("Journalist here: comment on why my order is late!") {
		t.Error("fired despite an unless phrase")
	}
}

func TestPersonalData(t *testing.T) {
	pd := newPersonalData(PersonalConfig{OrderPatterns: []string{`(?i)\border\s*(?:number|#)?\s*[:#]?\s*([a-z0-9][a-z0-9\-]{4,})`}})
	cases := []struct{ text, want string }{
		{"card 4111 1111 1111 1111 please", "card [card] please"},
		{"card 4111-1111-1111-1112 fails Luhn", "card 4111-1111-1111-1112 fails Luhn"},
		{"mail me at jane.doe+x@mail.example.com!", "mail me at [email]!"},
		{"call +44 7700 900123 or 07700 900456 or (555) 123-4567", "call [phone] or [phone] or [phone]"},
		{"order AC-88412 and order number 99812345", "order [order] and order number [order]"},
		{"my order from last week", "my order from last week"},
		{"on 2026-11-22 it cost 1,299.00 for 3 items, ref 12345", "on 2026-11-22 it cost 1,299.00 for 3 items, ref 12345"},
		{"@acme_help see you", "@acme_help see you"},
	}
	for _, c := range cases {
		if got := redact(c.text, pd.find(c.text)); got != c.want {
			t.Errorf("redact(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestDuplicatesWindowIsBounded(t *testing.T) {
	d := newDuplicates(4)
	text := fingerprint([]string{"same", "text"})
	for i, want := range []int{1, 2, 2, 3} {
		author := uint64(i)
		if i == 2 {
			author = 1 // an author repeating themselves is not another author
		}
		if got := d.observe(text, author); got != want {
			t.Fatalf("post %d: %d authors, want %d", i, got, want)
		}
	}
	for i := range 4 { // four other posts push the copies out of the window
		d.observe(uint64(100+i), 9)
	}
	if _, ok := d.byText[text]; ok || len(d.byText) != 4 || len(d.ring) != 4 {
		t.Fatalf("window not bounded: %d texts, %d sightings", len(d.byText), len(d.ring))
	}
	if got := d.observe(text, 7); got != 1 {
		t.Fatalf("forgotten text counted %d authors", got)
	}
}

func TestLinearLearnsAndExplains(t *testing.T) {
	classes := []string{"praise", "complaint", "other"}
	docs := [][]string{{"love", "it"}, {"love", "great"}, {"broken", "again"}, {"broken", "awful"}}
	labels := []int{0, 0, 1, 1}
	m := &Model{}
	var samples []sample
	for i, d := range docs {
		samples = append(samples, sample{buckets: m.buckets(d), class: labels[i], weight: 1})
	}
	lin := trainLinear(classes, samples, nil)
	post := []string{"broken", "unknownword"}
	buckets := m.buckets(post)
	p := lin.probabilities(buckets)
	best := slices.Index(p, slices.Max(p))
	if classes[best] != "complaint" || p[best] < 0.5 || p[2] >= p[0] {
		t.Fatalf("prediction %v", p)
	}
	if idx := lin.sway(buckets, best, 0); !slices.Equal(idx, []int{0}) {
		t.Fatalf("swaying features %v, want only %q", idx, post[0])
	}
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	if sum < 0.999 || sum > 1.001 {
		t.Fatalf("probabilities sum to %v", sum)
	}
}
