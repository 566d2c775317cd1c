package triage

import (
	"regexp"
	"slices"
	"strings"
)

// Kinds of personal data; each is also the name in its placeholder, [card].
const (
	piiEmail = "email"
	piiCard  = "card"
	piiOrder = "order"
	piiPhone = "phone"
)

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// cardRE finds 13 to 19 digits, optionally grouped by spaces or dashes;
	// the Luhn check then tells a card from any other long number.
	cardRE = regexp.MustCompile(`\b\d(?:[ \-]?\d){12,18}\b`)
	// phoneRE finds digit runs with the separators phone numbers are written
	// with; phoneDigitsOK then asks for as many digits as a real number has.
	phoneRE = regexp.MustCompile(`(?:\+|\(|\b)\d[\d ().\-]{5,20}\d\b`)
)

type span struct {
	start, end int
	kind       string
}

// personalData finds personal data: e-mail addresses, card numbers, order
// numbers (by the configured patterns) and phone numbers.
type personalData struct {
	orders []*regexp.Regexp
}

func newPersonalData(cfg PersonalConfig) *personalData {
	pd := &personalData{}
	for _, p := range cfg.OrderPatterns {
		pd.orders = append(pd.orders, regexp.MustCompile(p)) // Validate compiled it already
	}
	return pd
}

// find returns the spans of personal data in text, in text order, without
// overlaps. Kinds are taken in order of certainty (an e-mail address is
// unmistakable, a phone number the least sure), and a later kind cannot claim
// text an earlier one took: a card number is not also a phone number.
func (pd *personalData) find(text string) []span {
	var spans []span
	taken := func(s, e int) bool {
		for _, sp := range spans {
			if s < sp.end && sp.start < e {
				return true
			}
		}
		return false
	}
	add := func(s, e int, kind string) {
		if !taken(s, e) {
			spans = append(spans, span{s, e, kind})
		}
	}
	for _, m := range emailRE.FindAllStringIndex(text, -1) {
		add(m[0], m[1], piiEmail)
	}
	for _, m := range cardRE.FindAllStringIndex(text, -1) {
		if luhn(text[m[0]:m[1]]) {
			add(m[0], m[1], piiCard)
		}
	}
	for _, re := range pd.orders {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			if m[2] >= 0 && strings.ContainsAny(text[m[2]:m[3]], "0123456789") {
				add(m[2], m[3], piiOrder)
			}
		}
	}
	for _, m := range phoneRE.FindAllStringIndex(text, -1) {
		if phoneDigitsOK(text[m[0]:m[1]]) {
			add(m[0], m[1], piiPhone)
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	return spans
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

// redact replaces each span with its placeholder, [kind].
func redact(text string, spans []span) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.start])
		b.WriteString("[" + sp.kind + "]")
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// Redactor masks personal data as triage does, for what is shown of a post
// before triage has run: the case's summary in the Temporal Web UI.
func Redactor(cfg PersonalConfig) func(string) string {
	pd := newPersonalData(cfg)
	return func(text string) string { return redact(text, pd.find(text)) }
}
