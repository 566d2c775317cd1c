// Package pii finds personal data in text — e-mail addresses, card numbers,
// order numbers and phone numbers — and masks it. Triage redacts what is
// stored of a customer's posts with it, and the publisher refuses public
// replies that carry it, so both agree on what personal data looks like.
//
// Text is searched after Unicode normalisation (NFKC, every decimal digit
// folded to ASCII, invisible format characters dropped), so "٤٤١٠٠٨٧",
// full-width digits or a zero-width space inside a number hide nothing.
package pii

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind is a kind of personal data; it is also the name in its placeholder,
// [card].
type Kind string

// The kinds of personal data, in order of certainty.
const (
	Email Kind = "email"
	Card  Kind = "card"
	Order Kind = "order"
	Phone Kind = "phone"
)

// Span is personal data at text[Start:End].
type Span struct {
	Start, End int
	Kind       Kind
}

// The separators people write instead of "@" and "." to get past filters:
// "jane(at)example(dot)com", "jane [at] example [dot] com", and the bare
// words "jane at example dot com".
const (
	atWord  = `\s*[(\[{<]\s*at\s*[)\]}>]\s*`
	dotWord = `\s*[(\[{<]\s*dot\s*[)\]}>]\s*`
)

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// obfuscatedEmailRE is an address with a bracketed "at", its dots
	// written plainly or bracketed.
	obfuscatedEmailRE = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+` + atWord + `[a-z0-9\-]+(?:(?:\.|` + dotWord + `)[a-z0-9\-]+)*(?:\.|` + dotWord + `)[a-z]{2,}\b`)
	// wordedEmailRE spells both out as words; it needs at least one " dot "
	// so that "us at acme.example" (a web address) is not taken for one.
	wordedEmailRE = regexp.MustCompile(`(?i)\b[a-z0-9._%+\-]+\s+at\s+[a-z0-9\-]+(?:(?:\.|\s+dot\s+)[a-z0-9\-]+)*\s+dot\s+[a-z]{2,}\b`)
	// cardRE finds 13 to 19 digits, optionally grouped by spaces or dashes;
	// the Luhn check then tells a card from any other long number.
	cardRE = regexp.MustCompile(`\b\d(?:[ \-]?\d){12,18}\b`)
	// phoneRE finds digit runs with the separators phone numbers are written
	// with; phoneDigitsOK then asks for as many digits as a real number has.
	phoneRE = regexp.MustCompile(`(?:\+|\(|\b)\d[\d ().\-]{5,20}\d\b`)
)

// Detector finds personal data: the built-in kinds and order numbers by the
// configured patterns.
type Detector struct {
	orders []*regexp.Regexp
}

// New is a Detector whose order patterns have the order number as their
// first group; a match counts only if that group holds a digit.
func New(orderPatterns ...*regexp.Regexp) *Detector {
	return &Detector{orders: orderPatterns}
}

// Find returns the spans of personal data in text, in text order, without
// overlaps, as offsets into text itself. Kinds are taken in order of
// certainty (an e-mail address is unmistakable, a phone number the least
// sure), and a later kind cannot claim text an earlier one took: a card
// number is not also a phone number.
func (d *Detector) Find(text string) []Span {
	n := normalize(text)
	var spans []Span
	add := func(s, e int, kind Kind) {
		if !slices.ContainsFunc(spans, func(sp Span) bool { return s < sp.End && sp.Start < e }) {
			spans = append(spans, Span{s, e, kind})
		}
	}
	for _, re := range []*regexp.Regexp{emailRE, obfuscatedEmailRE, wordedEmailRE} {
		for _, m := range re.FindAllStringIndex(n.text, -1) {
			add(m[0], m[1], Email)
		}
	}
	for _, m := range cardRE.FindAllStringIndex(n.text, -1) {
		if luhn(n.text[m[0]:m[1]]) {
			add(m[0], m[1], Card)
		}
	}
	for _, re := range d.orders {
		for _, m := range re.FindAllStringSubmatchIndex(n.text, -1) {
			if m[2] >= 0 && strings.ContainsAny(n.text[m[2]:m[3]], "0123456789") {
				add(m[2], m[3], Order)
			}
		}
	}
	for _, m := range phoneRE.FindAllStringIndex(n.text, -1) {
		if phoneDigitsOK(n.text[m[0]:m[1]]) {
			add(m[0], m[1], Phone)
		}
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	for i := range spans {
		spans[i].Start, spans[i].End = n.original(spans[i].Start, spans[i].End)
	}
	return spans
}

// Redact replaces each piece of personal data in text with its placeholder,
// [kind].
func (d *Detector) Redact(text string) string { return Redact(text, d.Find(text)) }

// Redact replaces each span (as Find returned them) with its placeholder.
func Redact(text string, spans []Span) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range spans {
		// Two spans found in one normalisation segment ("ﬁ" is "fi") map to
		// overlapping offsets; the segment is masked once.
		if sp.End <= last {
			continue
		}
		b.WriteString(text[last:max(sp.Start, last)])
		b.WriteString("[" + string(sp.Kind) + "]")
		last = sp.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// Normalize is text in NFKC with every decimal digit, of any script, as its
// ASCII digit, and without invisible format characters (zero-width spaces,
// soft hyphens, direction marks).
func Normalize(text string) string { return normalize(text).text }

// normalized is a normalised text that remembers, for each of its bytes,
// which bytes of the original it came from, so that spans found in it can
// be mapped back onto the original.
type normalized struct {
	text string
	// from[i] and to[i] bound the original segment that byte i of text
	// came from.
	from, to []int
}

func normalize(s string) normalized {
	n := normalized{from: make([]int, 0, len(s)), to: make([]int, 0, len(s))}
	var b strings.Builder
	b.Grow(len(s))
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for start := 0; !it.Done(); {
		seg := it.Next()
		end := it.Pos()
		for _, r := range string(seg) {
			if unicode.Is(unicode.Cf, r) {
				continue
			}
			r = asciiDigit(r)
			size := b.Len()
			b.WriteRune(r)
			for range b.Len() - size {
				n.from = append(n.from, start)
				n.to = append(n.to, end)
			}
		}
		start = end
	}
	n.text = b.String()
	return n
}

// original maps the span [s, e) of the normalised text onto the original.
func (n normalized) original(s, e int) (int, int) {
	return n.from[s], n.to[e-1]
}

// asciiDigit is r's ASCII digit if r is a decimal digit of another script,
// else r. Unicode encodes every script's decimal digits as runs of ten in
// order from zero, so a digit's value is its distance from the start of its
// run in the Nd table, modulo ten.
func asciiDigit(r rune) rune {
	if r < utf8.RuneSelf || !unicode.IsDigit(r) {
		return r
	}
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return '0' + (r-rune(rg.Lo))%10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return '0' + (r-rune(rg.Lo))%10
		}
	}
	return r
}

// luhn checks the card-number check digit of the digits in s, which must
// number 13 to 19.
func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && n <= 19 && sum%10 == 0
}

// phoneDigitsOK asks a phone-shaped match for the digits of a phone number:
// 8 to 15 after an international "+", 9 to 15 after a trunk "0" or an area
// code in brackets, and 10 to 15 otherwise (a North American number), so
// dates, years and prices are not taken for phone numbers.
func phoneDigitsOK(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	switch {
	case s[0] == '+':
		return n >= 8 && n <= 15
	case s[0] == '0' || s[0] == '(':
		return n >= 9 && n <= 15
	}
	return n >= 10 && n <= 15
}
