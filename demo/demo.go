// Package demo holds the demo brand's sample posts that `switchboard dev`
// loads, so a new user sees cases of every kind at once.
package demo

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// posts are canonical posts, one JSON object per line, written on one
// morning; Recent moves them to the last minutes.
//
//go:embed posts.jsonl
var posts []byte

// Recent is the demo posts as JSON lines, their times moved together so
// the newest was written a minute before now and the spacing between them
// stays: the cases' SLA clocks, which start when intake takes a post, then
// agree with the posts' own times.
func Recent(now time.Time) ([]byte, error) {
	var lines []map[string]any
	newest := time.Time{}
	for line := range bytes.Lines(posts) {
		var p map[string]any
		if err := json.Unmarshal(line, &p); err != nil {
			return nil, fmt.Errorf("demo post: %w", err)
		}
		at, err := time.Parse(time.RFC3339, fmt.Sprint(p["created_at"]))
		if err != nil {
			return nil, fmt.Errorf("demo post %v: created_at: %w", p["id"], err)
		}
		if at.After(newest) {
			newest = at
		}
		lines = append(lines, p)
	}
	shift := now.Add(-time.Minute).Sub(newest)
	var out bytes.Buffer
	for _, p := range lines {
		at, _ := time.Parse(time.RFC3339, fmt.Sprint(p["created_at"])) // parsed above
		p["created_at"] = at.Add(shift).UTC().Format(time.RFC3339)
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		out.Write(append(b, '\n'))
	}
	return out.Bytes(), nil
}
