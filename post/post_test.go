package post

import (
	"strings"
	"testing"
)

func TestCappedAtThePlatformsLimit(t *testing.T) {
	long := strings.Repeat("é", 2201)
	p, capped := Post{Platform: "instagram", Text: long}.Capped()
	if !capped || p.Text != strings.Repeat("é", 2200)+" […]" {
		t.Fatalf("capped %t, %d runes", capped, len([]rune(p.Text)))
	}
	if p, capped := (Post{Platform: "instagram", Text: long[:2*2200]}).Capped(); capped || len(p.Text) != 2*2200 {
		t.Fatalf("a text at the limit was capped")
	}
	if _, capped := (Post{Platform: "mastodon", Text: long}).Capped(); capped {
		t.Fatal("a platform without a known limit was capped")
	}
}
