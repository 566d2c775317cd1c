package casestate

import (
	"encoding/json"
	"testing"
	"time"
)

// A clock's and an event's durations are read as nanoseconds (what
// payloads hold) and as text (what the CLI prints, and a later release
// may write).
func TestDurationsAreReadInEitherForm(t *testing.T) {
	for _, data := range []string{
		`{"kind":"resolution","target":28800000000000,"remaining":5400000000000,"paused":true}`,
		`{"kind":"resolution","target":"8h0m0s","remaining":"1h30m","paused":true}`,
	} {
		var k Clock
		if err := json.Unmarshal([]byte(data), &k); err != nil || k.Target != 8*time.Hour || k.Remaining != 90*time.Minute || !k.Paused || k.Kind != ClockResolution {
			t.Errorf("%s read as %+v, %v", data, k, err)
		}
	}
	for _, data := range []string{`{"seq":3,"target":3600000000000,"took":1200000000000}`, `{"seq":3,"target":"1h","took":"20m0s"}`} {
		var e Event
		if err := json.Unmarshal([]byte(data), &e); err != nil || e.Took != 20*time.Minute || e.Target != time.Hour || e.Seq != 3 {
			t.Errorf("%s read as %+v, %v", data, e, err)
		}
	}
	// What a worker writes it reads back.
	met := true
	e := Event{Seq: 3, Kind: EventReplied, Target: time.Hour, Took: 20 * time.Minute, Met: &met}
	data, err := json.Marshal(e)
	var back Event
	if err != nil || json.Unmarshal(data, &back) != nil || back.Took != e.Took || back.Target != e.Target || !*back.Met {
		t.Fatalf("round trip of %s: %+v", data, back)
	}
	var k Clock
	if err := json.Unmarshal([]byte(`{"target":true}`), &k); err == nil {
		t.Fatal("a duration that is neither text nor a number is refused")
	}
}
