package casestate

import (
	"encoding/json"
	"fmt"
	"time"
)

// textDuration reads a Clock's or an Event's duration from JSON as either
// form: the nanoseconds a time.Duration writes, which every payload and
// history holds, or Go's text ("1h0m0s"), which the CLI prints for people
// and scripts. Reading both first is what lets a later release write the
// text in payloads too while workers of this one still read them (and
// lets a deploy roll back); until then payloads keep nanoseconds.
type textDuration time.Duration

func (d *textDuration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		var nanos int64
		if err := json.Unmarshal(data, &nanos); err != nil {
			return fmt.Errorf("a duration is text like \"1h30m\" or nanoseconds, not %s", data)
		}
		*d = textDuration(nanos)
		return nil
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return err
	}
	*d = textDuration(parsed)
	return nil
}

// The shadow types below read a Clock's and an Event's fields with their
// durations as textDuration: the outer fields take the JSON names over
// the embedded ones.
type (
	plainClock Clock
	clockJSON  struct {
		plainClock
		Target    textDuration `json:"target"`
		Remaining textDuration `json:"remaining,omitempty"`
	}
	plainEvent Event
	eventJSON  struct {
		plainEvent
		Target textDuration `json:"target,omitempty"`
		Took   textDuration `json:"took,omitempty"`
	}
)

func (k *Clock) UnmarshalJSON(data []byte) error {
	var j clockJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*k = Clock(j.plainClock)
	k.Target, k.Remaining = time.Duration(j.Target), time.Duration(j.Remaining)
	return nil
}

func (e *Event) UnmarshalJSON(data []byte) error {
	var j eventJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*e = Event(j.plainEvent)
	e.Target, e.Took = time.Duration(j.Target), time.Duration(j.Took)
	return nil
}
