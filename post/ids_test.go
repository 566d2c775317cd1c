package post

import (
	"strings"
	"testing"
	"time"
)

func TestWorkflowSafe(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		kept     bool
	}{
		{"a platform id", "104857600000001_402", true},
		{"a tweet id", "1860000000000000101", true},
		{"non-ASCII", "104857600000001_402é", false},
		{"zero-width space", "104857600000001\u200b_402", false},
		{"a space", "104857600000001 402", false},
		{"a control character", "1048\n57", false},
		{"longer than a workflow id part", strings.Repeat("7", maxIDComponent+1), false},
		{"as long as allowed", strings.Repeat("7", maxIDComponent), true},
		{"looks hashed", "~abc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WorkflowSafe(tc.id)
			if (got == tc.id) != tc.kept {
				t.Fatalf("WorkflowSafe(%q) = %q, kept %t", tc.id, got, got == tc.id)
			}
			if got != WorkflowSafe(tc.id) {
				t.Fatal("not deterministic")
			}
			if !printableASCII(got) || len(got) > maxIDComponent {
				t.Fatalf("%q is not safe", got)
			}
		})
	}
	// Two ids that differ only where a lossy mapping would fold them stay
	// two cases, and an id that spells the hash of another does not take
	// its case.
	if WorkflowSafe("402é") == WorkflowSafe("402e") || WorkflowSafe("402é") == WorkflowSafe("402è") {
		t.Fatal("collision")
	}
	if h := WorkflowSafe("402é"); WorkflowSafe(h) == h {
		t.Fatal("a hashed id is not kept when it arrives as an id")
	}
}

func TestValidateBoundsEveryIdentifier(t *testing.T) {
	ok := Post{ID: "1", Platform: "x", Property: "@acme_help", Author: Author{ID: "u"}, Text: "hi",
		CreatedAt: time.Date(2015, 11, 23, 10, 0, 0, 0, time.UTC)}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("9", MaxIDBytes+1)
	for name, mutate := range map[string]func(*Post){
		"id":          func(p *Post) { p.ID = long },
		"author.id":   func(p *Post) { p.Author.ID = long },
		"in_reply_to": func(p *Post) { p.InReplyTo = long },
		"thread_id":   func(p *Post) { p.ThreadID = long },
		"property":    func(p *Post) { p.Property = long },
		"url":         func(p *Post) { p.URL = strings.Repeat("u", MaxURLBytes+1) },
		"platform":    func(p *Post) { p.Platform = "xé" },
	} {
		p := ok
		mutate(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
