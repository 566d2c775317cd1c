package demo

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The demo posts move to just before now, keeping their order and spacing
// and everything else about them.
func TestRecentMovesThePostsToNow(t *testing.T) {
	now := time.Date(2015, 11, 18, 10, 0, 0, 0, time.UTC)
	moved, err := Recent(now)
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		ID        string    `json:"id"`
		Text      string    `json:"text"`
		CreatedAt time.Time `json:"created_at"`
	}
	read := func(b []byte) []line {
		var out []line
		for l := range bytes.Lines(b) {
			var p line
			if err := json.Unmarshal(l, &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		return out
	}
	was, is := read(posts), read(moved)
	if len(is) != len(was) || len(is) == 0 {
		t.Fatalf("%d posts moved of %d", len(is), len(was))
	}
	newest := is[0].CreatedAt
	for i := range is {
		if is[i].ID != was[i].ID || is[i].Text != was[i].Text {
			t.Errorf("post %d changed: %+v, was %+v", i, is[i], was[i])
		}
		if is[i].CreatedAt.Sub(is[0].CreatedAt) != was[i].CreatedAt.Sub(was[0].CreatedAt) {
			t.Errorf("post %s: spacing changed", is[i].ID)
		}
		if is[i].CreatedAt.After(newest) {
			newest = is[i].CreatedAt
		}
	}
	if want := now.Add(-time.Minute); !newest.Equal(want) {
		t.Errorf("the newest post is at %s, want %s", newest, want)
	}
}
