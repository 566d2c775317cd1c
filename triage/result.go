// Package triage reads a customer post and says what it is about: intent,
// sentiment, language, spam, personal data, each with the reasons behind it.
// It is plain Go with no Temporal import and works offline.
package triage

import "github.com/switchboard-care/switchboard/policy"

// Result is what triage found in one post. The type is policy.Triage, beside
// the routing rules that read it, so the case domain carries it without
// linking the engine.
type Result = policy.Triage
