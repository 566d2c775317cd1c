package triage

import (
	"regexp"

	"github.com/switchboard-care/switchboard/pii"
)

// span is one piece of personal data as the engine reports it: its kind
// names it in reasons, never its value.
type span struct {
	start, end int
	kind       string
}

// personalData finds personal data with the configured order patterns; the
// pii package holds what every kind looks like, so the publisher's checks of
// replies agree with what triage redacts.
type personalData struct {
	detector *pii.Detector
}

func newPersonalData(cfg PersonalConfig) *personalData {
	var orders []*regexp.Regexp
	for _, p := range cfg.OrderPatterns {
		orders = append(orders, regexp.MustCompile(p)) // Validate compiled it already
	}
	return &personalData{detector: pii.New(orders...)}
}

// find returns the spans of personal data in text, in text order, without
// overlaps.
func (pd *personalData) find(text string) []span {
	found := pd.detector.Find(text)
	spans := make([]span, len(found))
	for i, sp := range found {
		spans[i] = span{sp.Start, sp.End, string(sp.Kind)}
	}
	return spans
}

// redact replaces each span with its placeholder, [kind].
func redact(text string, spans []span) string {
	found := make([]pii.Span, len(spans))
	for i, sp := range spans {
		found[i] = pii.Span{Start: sp.start, End: sp.end, Kind: pii.Kind(sp.kind)}
	}
	return pii.Redact(text, found)
}

// Redactor masks personal data as triage does. Everything stored of a
// customer's words goes through it or through triage: the opening post
// (Result.Redacted), follow-ups and edits, and the case's summary in the
// Temporal Web UI.
func Redactor(cfg PersonalConfig) func(string) string {
	pd := newPersonalData(cfg)
	return pd.detector.Redact
}
