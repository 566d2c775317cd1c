package triage

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Special tokens stand for things that are not words. Rules may use them as
// phrases, and the model learns from them like words.
const (
	tokURL      = "[url]"
	tokQuestion = "[?]"
)

// specialTokens are the bracketed tokens the tokenizer keeps whole: the
// redaction placeholders and the question mark.
var specialTokens = []string{"[card]", "[email]", "[phone]", "[order]", tokQuestion, tokURL}

// urlRE finds links, including bare domains ("acme-gifts.win",
// "bit.ly/x"): spam writes its links so more often than not, and they count
// as a link like "https://…". The top-level domains are the common ones
// and those spam favours; a word after a full stop with no space ("done.thanks")
// is no link.
var urlRE = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|uk|eu|ly|gl|me|xyz|info|biz|link|click|top|shop|store|site|online|app|ru|cc|tk|win|finance|live|vip|club|fun|today|money|gift|deals|sale|bet|loan|pro)(?:/\S*|\b)`)

// doc is a post's text as triage reads it.
type doc struct {
	tokens  []string // folded words, emoji and special tokens, in order
	plain   string   // the words as written (accents kept), for language detection
	letters int      // letters in words, to tell a sentence from "ok 👍"
	hasURL  bool
	bangs   int // exclamation marks: "!!!!" is how sarcasm and anger are typed
	shouted int // words of three letters or more written in capitals
	quoted  bool
}

// codeRE finds words joined by hyphens; with a digit among them they are a
// reference (a voucher ACM-COMP-9912, an order AC-1109283, a flight
// BA-117), dropped like a number: its letters are not words ("acm" there
// is not the Dutch regulator).
var codeRE = regexp.MustCompile(`[\pL\pN]+(?:-[\pL\pN]+)+`)

// scareQuoteRE finds a short phrase in quotes ("durable", 'next day
// delivery'): how customers quote a promise back at a brand that broke it.
// The quotes must open after a space and close before one, so apostrophes
// (don't, it's) are not quotes.
var scareQuoteRE = regexp.MustCompile(`(?:^|\s)["'‘“][^"'‘’“”]{2,40}["'’”](?:[\s.,!?;:)]|$)`)

// foldTable maps the Latin letters with diacritics to their base letter, so
// "pédido", "Pedido" and "PEDIDO" are one word. It is derived from Unicode's
// canonical decomposition rather than written out by hand.
var foldTable = func() [0x250]rune {
	var t [0x250]rune
	for r := rune(0); r < 0x250; r++ {
		t[r] = r
		d := norm.NFD.String(string(r))
		base, size := utf8.DecodeRuneInString(d)
		if size == len(d) {
			continue
		}
		marksOnly := true
		for _, m := range d[size:] {
			if !unicode.Is(unicode.Mn, m) {
				marksOnly = false
			}
		}
		if marksOnly {
			t[r] = base
		}
	}
	// Letters Unicode does not decompose but that people type as two.
	t['ø'], t['ł'], t['đ'] = 'o', 'l', 'd'
	return t
}()

// foldInto appends r lower-cased and without diacritics.
func foldInto(b []byte, r rune) []byte {
	r = unicode.ToLower(r)
	switch r {
	case 'ß':
		return append(b, "ss"...)
	case 'œ':
		return append(b, "oe"...)
	case 'æ':
		return append(b, "ae"...)
	}
	if r < rune(len(foldTable)) {
		r = foldTable[r]
	}
	return utf8.AppendRune(b, r)
}

// isEmoji reports pictographs, which carry sentiment and intent on social
// media (😡, 🙏, 🔥), but not the joiners and skin-tone modifiers.
func isEmoji(r rune) bool {
	switch {
	case r == 0x200D || r == 0xFE0F || (r >= 0x1F3FB && r <= 0x1F3FF):
		return false
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	}
	return false
}

// tokenize reads text into a doc. Handles (@someone) are dropped: they name
// people, not intents. Numbers alone are dropped too: they are order
// numbers, prices and dates, noise to the model.
func tokenize(text string) doc {
	var d doc
	var plain strings.Builder
	var word, raw []byte
	wordLetters, wordUpper := 0, 0
	flush := func() {
		if len(word) > 0 && wordLetters > 0 {
			d.tokens = append(d.tokens, string(word))
			d.letters += wordLetters
			if wordLetters >= 3 && wordUpper == wordLetters {
				d.shouted++
			}
			if plain.Len() > 0 {
				plain.WriteByte(' ')
			}
			plain.Write(raw)
		}
		word, raw, wordLetters, wordUpper = word[:0], raw[:0], 0, 0
	}
	question := false
	urls := urlRE.FindAllStringIndex(text, -1)
	codes := references(text)
	for i := 0; i < len(text); {
		if len(urls) > 0 && i == urls[0][0] {
			flush()
			d.tokens = append(d.tokens, tokURL)
			d.hasURL = true
			i = urls[0][1]
			urls = urls[1:]
			continue
		}
		for len(codes) > 0 && codes[0][0] < i {
			codes = codes[1:] // inside a link or a handle
		}
		if len(codes) > 0 && i == codes[0][0] {
			flush()
			i = codes[0][1]
			codes = codes[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '[':
			if sp := specialAt(text[i:]); sp != "" {
				flush()
				d.tokens = append(d.tokens, sp)
				i += len(sp)
				continue
			}
		case r == '@' && len(word) == 0:
			i += size
			for i < len(text) && isHandleByte(text[i]) {
				i++
			}
			continue
		case r == '?' || r == '¿':
			question = true
		case r == '!':
			d.bangs++
		}
		switch {
		case unicode.IsLetter(r):
			word = foldInto(word, r)
			raw = utf8.AppendRune(raw, r)
			wordLetters++
			if unicode.IsUpper(r) {
				wordUpper++
			}
		case unicode.IsDigit(r):
			word = foldInto(word, r)
			raw = utf8.AppendRune(raw, r)
		case unicode.Is(unicode.Mn, r): // a combining accent: part of the word, dropped by folding
			raw = utf8.AppendRune(raw, r)
		default:
			flush()
			if isEmoji(r) {
				d.tokens = append(d.tokens, string(r))
			}
		}
		i += size
	}
	flush()
	if question {
		d.tokens = append(d.tokens, tokQuestion)
	}
	d.plain = plain.String()
	d.quoted = scareQuoteRE.MatchString(text)
	return d
}

// references returns where text has codeRE's references: hyphenated words
// with a digit among them.
func references(text string) [][]int {
	if !strings.Contains(text, "-") {
		return nil
	}
	var refs [][]int
	for _, m := range codeRE.FindAllStringIndex(text, -1) {
		if strings.ContainsFunc(text[m[0]:m[1]], unicode.IsDigit) {
			refs = append(refs, m)
		}
	}
	return refs
}

func isHandleByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// specialAt returns the special token s begins with, if any.
func specialAt(s string) string {
	for _, sp := range specialTokens {
		if strings.HasPrefix(s, sp) {
			return sp
		}
	}
	return ""
}
