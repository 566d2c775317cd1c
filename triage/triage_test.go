package triage_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/policy"
	"github.com/switchboard-care/switchboard/post"
	"github.com/switchboard-care/switchboard/triage"
)

var postSeq int

// mkPost builds a post on property ("x:@acme_help") by an ordinary author.
func mkPost(property, text string) post.Post {
	postSeq++
	platform, account, _ := strings.Cut(property, ":")
	return post.Post{
		ID: fmt.Sprintf("t-%d", postSeq), Platform: platform, Property: account,
		Author: post.Author{ID: fmt.Sprintf("u-%d", postSeq), Followers: 150},
		Text:   text, CreatedAt: time.Date(2015, 11, 22, 10, 0, 0, 0, time.UTC),
	}
}

func TestIntentsRouteAsTheTableSays(t *testing.T) {
	e, pol := demoEngine(t)
	cases := []struct {
		name, property, text   string
		intent, dept, language string
		prio                   policy.Priority
		private                bool
	}{
		{"spam: link with follower bait", "x:@acme_help", "Grow your page 🚀 buy followers cheap, real accounts https://fastfans.top/go", "spam", "none", "en", "", false},
		{"spam: money offer, Spanish", "instagram:acme", "Invierte en bitcoin y gana dinero cada semana 💸 https://cripto-facil.site", "spam", "none", "es", "", false},
		{"safety: fire", "x:@acme_help", "The Acme lamp in my daughter's room caught fire tonight, the shade melted", "safety", "coe", "en", policy.P1, false},
		{"safety: shock, German", "facebook:acme", "Beim Anfassen der Acme Lampe habe ich einen Stromschlag bekommen", "safety", "coe", "de", policy.P1, false},
		{"safety beats legal: a legal threat about a fire", "x:@acme_help", "Your heater caught fire and burned my curtains. My lawyer will be in touch", "safety", "coe", "en", policy.P1, false},
		{"legal: solicitor", "x:@acme_help", "Refund me by Monday or my solicitor takes it from here", "legal_threat", "legal", "en", policy.P1, false},
		{"legal: data request, French", "facebook:acme", "Merci de supprimer mes données personnelles conformément au RGPD", "legal_threat", "legal", "fr", policy.P1, false},
		{"legal: paragraph cited, German", "x:@acme_help", "Ich fordere Nacherfüllung gemäß § 439 BGB innerhalb von 14 Tagen", "legal_threat", "legal", "de", policy.P1, false},
		{"press: reporter asks for comment", "x:@acme_news", "Reporter at the Herald here, could Acme comment on the warehouse strike?", "press_inquiry", "pr", "en", policy.P2, false},
		{"press: Italian journalist", "x:@acme_news", "Sono un giornalista della Stampa, potete rilasciare una dichiarazione sui licenziamenti?", "press_inquiry", "pr", "it", policy.P2, false},
		{"account: journalist about their own order", "x:@acme_news", "I'm a journalist and my order still hasn't arrived, I want a statement on where it is", "account_issue", "support", "en", policy.P3, true},
		{"account: order number is private", "x:@acme_help", "where is order 88123456? tracking stuck", "account_issue", "support", "en", policy.P3, true},
		{"account: Dutch", "facebook:acme", "Mijn bestelling is na twee weken nog steeds niet geleverd", "account_issue", "support", "nl", policy.P3, true},
		{"complaint on the help account", "x:@acme_help", "Your app keeps crashing whenever I open the basket, so annoying", "complaint", "support", "en", policy.P3, false},
		{"complaint on the press account goes to its owner", "x:@acme_news", "Your website has been down all morning, shocking service", "complaint", "pr", "en", policy.P3, false},
		{"question, French", "instagram:acme", "Est-ce que vous livrez en Suisse ?", "question", "support", "fr", policy.P3, false},
		{"praise, Portuguese", "instagram:acme", "Adorei o atendimento da loja, muito obrigada 😍", "praise", "marketing", "pt", policy.P4, false},
		{"feedback, German", "x:@acme_help", "Vorschlag: eine Wunschliste in der App wäre toll", "feedback", "marketing", "de", policy.P4, false},
		{"other", "x:@acme_help", "@friend_of_mine haha did you see the match last night ⚽", "other", "support", "en", policy.P4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mkPost(c.property, c.text)
			res := e.Triage(p)
			dec := pol.Decide(res.Signals(p))
			if res.Intent != c.intent || dec.Department != c.dept || dec.Priority != c.prio || dec.Private != c.private || res.Language != c.language {
				t.Errorf("got %s → %s %s private=%t lang=%s, want %s → %s %s private=%t lang=%s\nreasons: %s",
					res.Intent, dec.Department, dec.Priority, dec.Private, res.Language,
					c.intent, c.dept, c.prio, c.private, c.language, strings.Join(res.Reasons, "; "))
			}
			if res.Spam != (c.intent == "spam") {
				t.Errorf("spam %t", res.Spam)
			}
		})
	}
}

func TestPriorityModifiers(t *testing.T) {
	e, pol := demoEngine(t)
	const calm = "The app keeps logging me out when I switch screens"
	const furious = "Worst service ever. Disgusting, useless, pathetic. I am furious and disgusted with you"
	cases := []struct {
		name      string
		text      string
		followers int
		verified  bool
		prio      policy.Priority
		watchers  []string
	}{
		{"complaint as is", calm, 150, false, policy.P3, nil},
		{"high reach raises and adds pr", calm, 10000, false, policy.P2, []string{"pr"}},
		{"verified raises and adds pr", calm, 40, true, policy.P2, []string{"pr"}},
		{"strongly negative raises", furious, 150, false, policy.P2, nil},
		{"both raise twice", furious, 250000, false, policy.P1, []string{"pr"}},
		{"strongly negative in Spanish", "Servicio pésimo, una vergüenza. Estoy harta, furiosa y muy decepcionada con vuestra app", 150, false, policy.P2, nil},
		{"account issue raised by reach and anger", "Disgusting!! You charged me twice and my refund is still missing. Furious, awful, useless", 12000, false, policy.P1, []string{"pr"}},
		{"praise is not raised by reach", "Love love love the new store, brilliant staff 😍", 90000, true, policy.P4, nil},
		{"safety cannot go above P1", "My Acme charger exploded, I'm furious, this is horrible and disgusting", 50000, true, policy.P1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mkPost("x:@acme_help", c.text)
			p.Author.Followers, p.Author.Verified = c.followers, c.verified
			res := e.Triage(p)
			dec := pol.Decide(res.Signals(p))
			if dec.Priority != c.prio || !slices.Equal(dec.Watchers, c.watchers) {
				t.Errorf("%s sentiment %.2f → %s watchers %v, want %s %v\n%s", res.Intent, res.Sentiment, dec.Priority, dec.Watchers, c.prio, c.watchers, strings.Join(slices.Concat(res.Reasons, dec.Reasons), "; "))
			}
		})
	}
}

func TestPersonalDataIsRedactedEverywhere(t *testing.T) {
	e, _ := demoEngine(t)
	secrets := []string{"4111 1111 1111 1111", "jane.doe@example.com", "+44 7700 900123", "AC-556677"}
	p := mkPost("x:@acme_help", "Hi, card 4111 1111 1111 1111 was charged for order AC-556677, email jane.doe@example.com or call +44 7700 900123")
	res := e.Triage(p)
	if !res.Private {
		t.Fatal("not private")
	}
	out, _ := json.Marshal(res)
	for _, s := range secrets {
		if strings.Contains(string(out), s) {
			t.Errorf("%q leaks into the result: %s", s, out)
		}
	}
	for _, ph := range []string{"[card]", "[order]", "[email]", "[phone]"} {
		if !strings.Contains(res.Redacted, ph) {
			t.Errorf("redacted text lacks %s: %s", ph, res.Redacted)
		}
	}
	if !slices.ContainsFunc(res.Reasons, func(r string) bool { return strings.HasPrefix(r, "personal data: 1 card, 1 order, 1 email, 1 phone") }) {
		t.Errorf("reasons %q", res.Reasons)
	}
	if clean := e.Triage(mkPost("x:@acme_help", "Do you open at 9 on 24/12/2026?")); clean.Private {
		t.Errorf("a date made the post private: %s", clean.Redacted)
	}
}

func TestReasonsExplainTheVerdict(t *testing.T) {
	e, _ := demoEngine(t)
	res := e.Triage(mkPost("x:@acme_help", "Your heater caught fire. My lawyer will call you"))
	want := []string{`rule safety_flames → safety: "caught fire"`, `rule legal_lawyer → legal_threat: "lawyer*" (not applied: safety comes first)`}
	for _, w := range want {
		if !slices.Contains(res.Reasons, w) {
			t.Errorf("reasons %q lack %q", res.Reasons, w)
		}
	}
	if res.Confidence != 1 {
		t.Errorf("a rule decided, confidence %v", res.Confidence)
	}
	res = e.Triage(mkPost("instagram:acme", "Obsessed with these new trainers, so comfy 😍"))
	if res.Intent != "praise" || !strings.HasPrefix(res.Reasons[0], "model: praise ") || !strings.Contains(res.Reasons[0], "(words: ") {
		t.Errorf("model reason %q", res.Reasons)
	}
	if res.Confidence <= 0 || res.Confidence >= 1 {
		t.Errorf("model confidence %v", res.Confidence)
	}
}

func TestDuplicatesFromManyAuthors(t *testing.T) {
	_, pol := demoEngine(t)
	e, err := triage.New(demo.Triage) // its own duplicate window
	if err != nil {
		t.Fatal(err)
	}
	link := "Amazing deal on designer bags today only, see acme-outlet.shop/deal"
	campaign := "@acme_help please stop selling fur in your stores #FurFreeAcme"
	for i, author := range []string{"a", "a", "b", "c"} {
		p := mkPost("x:@acme_help", link)
		p.Author.ID = author
		res := e.Triage(p)
		if wantSpam := i == 3; res.Spam != wantSpam {
			t.Fatalf("copy %d by %s: spam %t\n%q", i, author, res.Spam, res.Reasons)
		}
		if i == 3 && (!strings.HasPrefix(res.Reasons[0], "duplicate: the same text from 3 authors") || !pol.Decide(res.Signals(p)).Closed()) {
			t.Fatalf("reasons %q", res.Reasons)
		}
	}
	for _, author := range []string{"d", "e", "f"} {
		p := mkPost("x:@acme_help", campaign)
		p.Author.ID = author
		res := e.Triage(p)
		if res.Spam {
			t.Fatalf("a campaign without a link closed as spam: %q", res.Reasons)
		}
		if author == "f" && !slices.ContainsFunc(res.Reasons, func(r string) bool { return strings.Contains(r, "without a link: not spam") }) {
			t.Fatalf("campaign not explained: %q", res.Reasons)
		}
	}
}

func TestLanguages(t *testing.T) {
	e, _ := demoEngine(t)
	for text, want := range map[string]string{
		"Thanks for the quick reply, that solved it":        "en",
		"Gracias por la respuesta tan rápida":               "es",
		"Merci pour la réponse rapide, c'est réglé":         "fr",
		"Danke für die schnelle Antwort, hat geklappt":      "de",
		"Obrigado pela resposta rápida, resolveu":           "pt",
		"Grazie per la risposta veloce, tutto risolto":      "it",
		"Bedankt voor het snelle antwoord, het is opgelost": "nl",
		"👍🔥":            triage.Unknown,
		"@acme_help ok": triage.Unknown,
	} {
		if got := e.Triage(mkPost("x:@acme_help", text)).Language; got != want {
			t.Errorf("%q: language %s, want %s", text, got, want)
		}
	}
}

func TestConcurrentTriageMatchesSequential(t *testing.T) {
	e, _ := demoEngine(t)
	posts := heldOut(t)
	want := make([]triage.Result, len(posts))
	for i, l := range posts {
		want[i] = e.Triage(l.Post)
	}
	got := make([]triage.Result, len(posts))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(posts); i += 8 {
				got[i] = e.Triage(posts[i].Post)
			}
		})
	}
	wg.Wait()
	for i := range posts {
		if got[i].Intent != want[i].Intent || got[i].Language != want[i].Language || got[i].Sentiment != want[i].Sentiment || !slices.Equal(got[i].Reasons, want[i].Reasons) {
			t.Errorf("%s: concurrent %+v, sequential %+v", posts[i].ID, got[i], want[i])
		}
	}
}

func TestTrainingSetIsBroadAndApartFromHeldOut(t *testing.T) {
	examples := trainingSet(t)
	perIntent := map[string]int{}
	langs := map[string]map[string]bool{}
	texts := map[string]bool{}
	for _, ex := range examples {
		perIntent[ex.Intent]++
		if langs[ex.Intent] == nil {
			langs[ex.Intent] = map[string]bool{}
		}
		langs[ex.Intent][ex.Language] = true
		texts[ex.Text] = true
	}
	demoEngine(t)
	for _, in := range demo.Triage.Intents {
		if perIntent[in] < 40 || len(langs[in]) < 7 {
			t.Errorf("intent %s: %d examples in %d languages, want ≥ 40 in all 7", in, perIntent[in], len(langs[in]))
		}
	}
	for _, l := range heldOut(t) {
		if texts[l.Text] {
			t.Errorf("held-out post %s is in the training set", l.ID)
		}
	}
}

func TestCrossValidation(t *testing.T) {
	demoEngine(t)
	intent, language, err := triage.CrossValidate(demo.Triage, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10-fold cross-validation on the training set: intent %.3f, language %.3f", intent, language)
	if intent < 0.85 || language < 0.93 {
		t.Errorf("intent %.3f (want ≥ 0.85), language %.3f (want ≥ 0.93)", intent, language)
	}
}

func TestCustomerAddsAKeywordInConfig(t *testing.T) {
	file := t.TempDir() + "/switchboard.yaml"
	yaml := `triage:
  rules:
    acme_battery:
      intent: safety
      any: ["swollen battery", "battery is bulging"]
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Triage.Rules["safety_fire"]; !ok {
		t.Fatal("adding a rule dropped the default rules")
	}
	e, err := triage.New(cfg.Triage)
	if err != nil {
		t.Fatal(err)
	}
	p := mkPost("x:@acme_help", "The battery is bulging on my Acme tablet, the screen is lifting")
	res := e.Triage(p)
	if res.Intent != "safety" || !slices.Contains(res.Reasons, `rule acme_battery → safety: "battery is bulging"`) {
		t.Fatalf("%s %q", res.Intent, res.Reasons)
	}
	if dec := cfg.Policy.Decide(res.Signals(p)); dec.Department != "coe" || dec.Priority != policy.P1 {
		t.Fatalf("routed %+v", dec)
	}
}

func TestConfigMistakesNameTheKey(t *testing.T) {
	for yaml, want := range map[string]string{
		"triage:\n  rules:\n    x:\n      intent: shipping\n      any: [parcel]\n": `triage.rules.x.intent: "shipping" is not one of triage.intents`,
		"triage:\n  rules:\n    x:\n      intent: safety\n      patterns: ['(']\n": "triage.rules.x.patterns[0]: error parsing regexp",
		"triage:\n  rules:\n    x:\n      intent: safety\n":                        "triage.rules.x: give at least one phrase in any or one pattern",
		"triage:\n  language:\n    languages: [en, xx]\n":                          `triage.language.languages[1]: "xx" is not an ISO 639-1 code`,
		"triage:\n  model:\n    min_confidence_by_intent: {spam: 2}\n":             `triage.model.min_confidence_by_intent.spam: 2 must be in [0, 1]`,
		"triage:\n  personal_data:\n    order_patterns: ['order \\d+']\n":          "triage.personal_data.order_patterns[0]: needs a group around the order number",
		"triage:\n  duplicates: {window: 10, min_authors: 1}\n":                    "triage.duplicates.min_authors: 1 must be at least 2",
		"triage:\n  fallback: nothing\n":                                           `triage.fallback: "nothing" is not one of triage.intents`,
	} {
		file := t.TempDir() + "/switchboard.yaml"
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", yaml, err, want)
		}
	}
}

// The shortcut must not cost accuracy: on every labelled post it decides, it
// must agree with the label.
func TestFunctionWordShortcutAgreesWithLabels(t *testing.T) {
	e, _ := demoEngine(t)
	labelled := map[string]string{}
	for _, ex := range trainingSet(t) {
		labelled[ex.Text] = ex.Language
	}
	for _, l := range heldOut(t) {
		labelled[l.Text] = l.Expect.Language
	}
	decided := 0
	for text, want := range labelled {
		got := e.LanguageByFunctionWords(text)
		if got == "" {
			continue
		}
		decided++
		if got != want {
			t.Errorf("shortcut says %s, label %s: %q", got, want, text)
		}
	}
	t.Logf("the shortcut decided %d of %d labelled posts", decided, len(labelled))
	if decided < len(labelled)/4 {
		t.Errorf("the shortcut decided only %d of %d posts", decided, len(labelled))
	}
}

func TestDuplicateDetectorNeedsTheSpamIntent(t *testing.T) {
	cfg := triage.Config{
		Intents: []string{"safety", "other"}, Fallback: "other",
		Language:   triage.LanguageConfig{Languages: []string{"en", "de"}},
		Duplicates: triage.DuplicateConfig{Window: 10, MinAuthors: 3},
	}
	want := `triage.duplicates: the detector gives intent "spam", which triage.intents lacks`
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	cfg.Duplicates = triage.DuplicateConfig{}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
