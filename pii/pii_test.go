package pii

import (
	"regexp"
	"testing"
	"unicode"
)

var orderPattern = regexp.MustCompile(`(?i)\border\s*(?:number|#)?\s*[:#]?\s*([a-z0-9][a-z0-9\-]{4,})`)

func TestRedact(t *testing.T) {
	d := New(orderPattern)
	for _, c := range []struct{ text, want string }{
		{"card 4111 1111 1111 1111 please", "card [card] please"},
		{"card 4111-1111-1111-1112 fails Luhn", "card 4111-1111-1111-1112 fails Luhn"},
		{"mail me at jane.doe+x@mail.example.com!", "mail me at [email]!"},
		{"call +44 7700 900123 or 07700 900456 or (555) 123-4567", "call [phone] or [phone] or [phone]"},
		{"order AC-88412 and order number 99812345", "order [order] and order number [order]"},
		{"my order from last week", "my order from last week"},
		{"on 2026-11-22 it cost 1,299.00 for 3 items, ref 12345", "on 2026-11-22 it cost 1,299.00 for 3 items, ref 12345"},
		{"@acme_help see you", "@acme_help see you"},
		// Other scripts' digits and full-width forms are numbers too; the
		// rest of the text is left as the customer wrote it.
		{"بطاقتي ٥٥٠٠ ٠٠٠٠ ٠٠٠٠ ٠٠٠٤ شكرا", "بطاقتي [card] شكرا"},
		{"ｃａｒｄ ４１１１ １１１１ １１１１ １１１１", "ｃａｒｄ [card]"},
		{"call ०७७०० ९००४५६ today", "call [phone] today"},
		{"card 4111\u200b1111\u200b1111\u200b1111.", "card [card]."},
		{"ﬁle: jane.doe@example.com", "ﬁle: [email]"},
		// Addresses written to get past filters.
		{"write to jane(at)example(dot)com please", "write to [email] please"},
		{"jane [at] example [dot] com", "[email]"},
		{"JANE {AT} mail.example [DOT] co", "[email]"},
		{"jane.doe at example dot com", "[email]"},
		{"find us at acme.example", "find us at acme.example"},
		{"look at that", "look at that"},
	} {
		if got := d.Redact(c.text); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"٤٤١٠٠٨٧":            "4410087",
		"۴۴۱۰۰۸۷":            "4410087", // Persian digits
		"５０ dollars":         "50 dollars",
		"१२३":                "123",
		"๑๒๓":                "123",
		"𝟙𝟚𝟛":                "123",
		"jane\u00ad.doe":     "jane.doe",
		"plain text, as is!": "plain text, as is!",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// asciiDigit relies on Unicode's promise that decimal digits come in runs of
// ten from zero; this fails if a Go release's tables ever break it.
func TestEveryDecimalDigitFoldsToItsValue(t *testing.T) {
	for _, r16 := range unicode.Nd.R16 {
		if r16.Stride != 1 || (r16.Hi-r16.Lo+1)%10 != 0 {
			t.Fatalf("Nd range %U-%U is not runs of ten", r16.Lo, r16.Hi)
		}
	}
	for _, r32 := range unicode.Nd.R32 {
		if r32.Stride != 1 || (r32.Hi-r32.Lo+1)%10 != 0 {
			t.Fatalf("Nd range %U-%U is not runs of ten", r32.Lo, r32.Hi)
		}
	}
	if got := asciiDigit('٩'); got != '9' {
		t.Fatalf("Arabic-Indic nine folds to %q", got)
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111111111111111":    true,
		"5500 0000 0000 0004": true,
		"378282246310005":     true,
		"4111111111111112":    false,
		"123456789012":        false, // too short for a card
	} {
		if luhn(s) != want {
			t.Errorf("luhn(%s) = %t", s, !want)
		}
	}
}

// Whatever the text, spans lie inside it and in order, and redacting them
// does not panic.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"card ٥٥٠٠ ٠٠٠٠ ٠٠٠٠ ٠٠٠٤", "ﬁﬁ 4111111111111111ﬁ", "jane(at)x(dot)com", "\u200b+44 7700 900123\u00ad", "order 12345"} {
		f.Add(s)
	}
	d := New(orderPattern)
	f.Fuzz(func(t *testing.T, text string) {
		previous := 0
		for _, sp := range d.Find(text) {
			if sp.Start < previous || sp.End > len(text) || sp.Start >= sp.End {
				t.Fatalf("span %+v of %q (after one at %d)", sp, text, previous)
			}
			previous = sp.Start
		}
		_ = d.Redact(text)
	})
}
