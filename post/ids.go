package post

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// Bounds on the identifiers a post carries. Platforms' ids are a few dozen
// characters; anything past these is not a real id, and a value that grows
// without limit would grow every record that keeps it (the thread index,
// search attributes, workflow ids). An id up to MaxIDBytes is taken, even
// past Temporal's own limit on workflow ids (WorkflowSafe maps it); the
// customer's key, platform and author id, stays within Temporal's 2 KiB
// for a search attribute's value.
const (
	MaxIDBytes     = 1024 // id, author id, in_reply_to, thread_id, property
	MaxNameBytes   = 512  // author handle and name
	MaxURLBytes    = 2048 // url
	maxIDComponent = 200  // longest id kept as it is inside a workflow id
	hashedIDPrefix = "~"  // starts every hashed id, and no kept one
)

var hashedIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// WorkflowSafe maps an id from outside (a platform's post or author id) into
// a form Temporal accepts inside a workflow id: an id of printable ASCII no
// longer than maxIDComponent is kept as it is, so ids stay readable in the
// Web UI; any other (non-ASCII, control characters, spaces, too long) becomes
// "~" and the base32 of its SHA-256. The mapping is deterministic, so a
// redelivery finds the same case, and collision-free: kept ids never start
// with "~", and distinct hashed ids would need a SHA-256 collision. Temporal
// sends workflow ids in gRPC headers, which take printable ASCII only, and
// limits their length; the original id stays in the post and its trail.
func WorkflowSafe(id string) string {
	if len(id) <= maxIDComponent && !strings.HasPrefix(id, hashedIDPrefix) && printableASCII(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hashedIDPrefix + strings.ToLower(hashedIDEncoding.EncodeToString(sum[:]))
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// boundedFields reports every identifier of p over its bound.
func (p Post) boundedFields() []error {
	var errs []error
	check := func(name, v string, limit int) {
		if len(v) > limit {
			errs = append(errs, fmt.Errorf("%s is %d bytes, more than %d", name, len(v), limit))
		}
	}
	check("id", p.ID, MaxIDBytes)
	check("property", p.Property, MaxIDBytes)
	check("author.id", p.Author.ID, MaxIDBytes)
	check("author.handle", p.Author.Handle, MaxNameBytes)
	check("author.name", p.Author.Name, MaxNameBytes)
	check("in_reply_to", p.InReplyTo, MaxIDBytes)
	check("thread_id", p.ThreadID, MaxIDBytes)
	check("url", p.URL, MaxURLBytes)
	check("platform", p.Platform, maxIDComponent)
	return errs
}
