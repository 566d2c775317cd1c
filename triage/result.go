// Package triage reads a customer post and says what it is about: intent,
// sentiment, language, spam, personal data, each with the reasons behind it.
// It is plain Go with no Temporal import and works offline.
package triage

import "github.com/switchboard-care/switchboard/triage/triaged"

// Result is what triage found in one post; the type lives in the leaf
// package triaged so the case domain can carry it without the engine.
type Result = triaged.Result
