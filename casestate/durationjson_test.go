package casestate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Durations are written as text people read, and the nanoseconds of
// payloads written before are still read.
func TestDurationsInJSONAreTextAndNanosecondsStillRead(t *testing.T) {
	at := time.Date(2015, 3, 4, 9, 0, 0, 0, time.UTC)
	k := Clock{Kind: ClockResolution, Target: 8 * time.Hour, StartedAt: at, DueAt: at.Add(8 * time.Hour), Paused: true, Remaining: 90 * time.Minute}
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, `"target":"8h0m0s"`) || !strings.Contains(s, `"remaining":"1h30m0s"`) || !strings.Contains(s, `"paused":true`) {
		t.Fatalf("clock JSON: %s", s)
	}
	var back Clock
	if err := json.Unmarshal(data, &back); err != nil || back != k {
		t.Fatalf("round trip: %+v, %v; want %+v", back, err, k)
	}
	var old Clock
	if err := json.Unmarshal([]byte(`{"kind":"resolution","target":28800000000000,"remaining":5400000000000,"paused":true}`), &old); err != nil ||
		old.Target != 8*time.Hour || old.Remaining != 90*time.Minute || !old.Paused {
		t.Fatalf("nanoseconds read as %+v, %v", old, err)
	}

	met := true
	e := Event{Seq: 3, At: at, Kind: EventReplied, Target: time.Hour, Took: 20 * time.Minute, Met: &met}
	data, err = json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, `"target":"1h0m0s"`) || !strings.Contains(s, `"took":"20m0s"`) || !strings.Contains(s, `"seq":3`) {
		t.Fatalf("event JSON: %s", s)
	}
	if data, _ := json.Marshal(Event{Seq: 1}); strings.Contains(string(data), "took") || strings.Contains(string(data), "target") {
		t.Fatalf("a zero duration is left out as before: %s", data)
	}
	var oldEvent Event
	if err := json.Unmarshal([]byte(`{"seq":3,"target":3600000000000,"took":1200000000000}`), &oldEvent); err != nil || oldEvent.Took != 20*time.Minute || oldEvent.Target != time.Hour {
		t.Fatalf("old event read as %+v, %v", oldEvent, err)
	}
	if err := json.Unmarshal([]byte(`{"target":true}`), &old); err == nil {
		t.Fatal("a duration that is neither text nor a number is refused")
	}
}
