package triage

import (
	"strings"
)

// negators open a negation scope: the next few words are read as negated
// ("not working" is not "working"). Folded, as the tokenizer gives them;
// "don't" arrives as "don" and "t".
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "nobody": true, "nowhere": true, "t": true,
	"cant": true, "dont": true, "didnt": true, "doesnt": true, "isnt": true, "wont": true, "aint": true, "wasnt": true, "havent": true, "hasnt": true,
	"nicht": true, "kein": true, "keine": true, "keinen": true, "nie": true, "nichts": true,
	"pas": true, "jamais": true, "rien": true, "aucun": true, "aucune": true,
	"nunca": true, "nada": true, "ningun": true, "ninguna": true, "nao": true, "nem": true,
	"non": true, "mai": true, "niente": true, "nessun": true, "nessuna": true,
	"niet": true, "geen": true, "nooit": true, "niks": true, "niets": true,
}

// negationScope is how many words after a negator are negated.
const negationScope = 3

// troubleStems begin words that report something gone wrong. With a
// positive tone they are how sarcasm reads ("wow, an outage right when the
// game is on!!!!", "love waiting 3 hours"): the cue "[pos+trouble]" lets the
// model learn that such a post is a complaint although VADER scores it
// positive.
var troubleStems = []string{
	"outage", "down", "delay", "cancel", "crash", "broke", "again", "still", "hour", "wait", "lost", "stuck", "error", "late", "never", "charg", "fail", "bug", "glitch", "freez", "lag", "missing", "dead", "drain", "overcharg", "queue", "hold",
	"caid", "retras", "cancelad", "esper", "panne", "retard", "annul", "attente", "ausfall", "verspat", "storung", "warte", "atras", "caiu", "espera", "ritard", "guasto", "attesa", "storing", "vertraag", "wacht",
	// the eye-roll emoji: praise words with one of these are sarcasm
	"🙃", "🙄", "🤡",
}

// features are what the linear model sees of a post, and for each the word
// of the post it came from, to explain a verdict in the post's own words.
func features(d doc, sentiment float64) (feats, words []string) {
	n := len(d.tokens)
	feats = make([]string, 0, 8*n+4)
	words = make([]string, 0, 8*n+4)
	add := func(f, w string) { feats, words = append(feats, f), append(words, w) }
	negated := 0
	trouble := false
	for i, t := range d.tokens {
		add("w:"+t, t)
		if i+1 < n {
			add("b:"+t+" "+d.tokens[i+1], t+" "+d.tokens[i+1])
		}
		special := strings.HasPrefix(t, "[")
		switch {
		case negators[t]:
			negated = negationScope
		case special:
			negated = 0
		case negated > 0:
			add("n:"+t, "not "+t)
			negated--
		}
		if special {
			continue
		}
		if !trouble {
			for _, s := range troubleStems {
				if strings.HasPrefix(t, s) {
					trouble = true
					break
				}
			}
		}
		runes := []rune("<" + t + ">")
		if len(runes) > 6 {
			for j := 0; j+4 <= len(runes); j++ {
				add("c:"+string(runes[j:j+4]), t)
			}
		}
	}
	// The tone, strong or mild: VADER's score is a weak cue by itself (it
	// reads "insane" and "killer" as negative), so the model weighs it.
	switch {
	case sentiment <= -0.5:
		add("[neg]", "[neg]")
	case sentiment >= 0.5:
		add("[pos]", "[pos]")
	case sentiment <= -0.05:
		add("[neg-]", "[neg-]")
	case sentiment >= 0.05:
		add("[pos-]", "[pos-]")
	}
	if sentiment >= 0.3 && trouble {
		add("[pos+trouble]", "[sarcasm?]")
	}
	if d.bangs >= 3 {
		add("[!!!]", "[!!!]")
	}
	if d.quoted {
		add("[quote]", "[quoted]")
	}
	if d.shouted >= 2 {
		add("[caps]", "[caps]")
	}
	return feats, words
}
