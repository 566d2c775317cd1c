package casestate

import (
	"encoding/json"
	"fmt"
	"time"
)

// textDuration is how a Clock or an Event writes its durations in JSON:
// as Go writes them ("1h0m0s"), which people and scripts read, where a
// time.Duration would write nanoseconds. It also reads the nanoseconds
// that payloads recorded before it carry, so old histories replay and a
// worker reads a case a previous version wrote.
type textDuration time.Duration

func (d textDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

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

// The shadow types below carry a Clock's and an Event's fields with their
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

func (k Clock) MarshalJSON() ([]byte, error) {
	return json.Marshal(clockJSON{plainClock(k), textDuration(k.Target), textDuration(k.Remaining)})
}

func (k *Clock) UnmarshalJSON(data []byte) error {
	var j clockJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*k = Clock(j.plainClock)
	k.Target, k.Remaining = time.Duration(j.Target), time.Duration(j.Remaining)
	return nil
}

func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(eventJSON{plainEvent(e), textDuration(e.Target), textDuration(e.Took)})
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
