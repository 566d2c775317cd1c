// Package demo holds the demo brand's sample posts that `switchboard dev`
// loads, so a new user sees cases of every kind at once.
package demo

import _ "embed"

// Posts are canonical posts, one JSON object per line.
//
//go:embed posts.jsonl
var Posts []byte
