package bench

import (
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

func event(t enums.EventType, attrs any) *historypb.HistoryEvent {
	e := &historypb.HistoryEvent{EventType: t}
	switch a := attrs.(type) {
	case *historypb.ActivityTaskStartedEventAttributes:
		e.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: a}
	case *historypb.UpsertWorkflowSearchAttributesEventAttributes:
		e.Attributes = &historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes{UpsertWorkflowSearchAttributesEventAttributes: a}
	case *historypb.MarkerRecordedEventAttributes:
		e.Attributes = &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: a}
	}
	return e
}

func upsert(names ...string) *historypb.UpsertWorkflowSearchAttributesEventAttributes {
	f := map[string]*commonpb.Payload{}
	for _, n := range names {
		f[n] = &commonpb.Payload{}
	}
	return &historypb.UpsertWorkflowSearchAttributesEventAttributes{SearchAttributes: &commonpb.SearchAttributes{IndexedFields: f}}
}

func marker(name string, task int64) *historypb.MarkerRecordedEventAttributes {
	return &historypb.MarkerRecordedEventAttributes{MarkerName: name, WorkflowTaskCompletedEventId: task}
}

// TestCountActions follows Temporal Cloud's rules on a made-up history:
// retries bill again, the local activities of one workflow task bill once,
// versioning is free, a signal bills at the receiver only.
func TestCountActions(t *testing.T) {
	h := []*historypb.HistoryEvent{
		event(enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, nil),
		event(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, nil),
		event(enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, nil),
		event(enums.EVENT_TYPE_ACTIVITY_TASK_STARTED, &historypb.ActivityTaskStartedEventAttributes{Attempt: 3}),
		event(enums.EVENT_TYPE_MARKER_RECORDED, marker("Version", 2)),
		event(enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsert("TemporalChangeVersion")),
		event(enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsert("Department", "CaseStatus")),
		event(enums.EVENT_TYPE_MARKER_RECORDED, marker("LocalActivity", 7)),
		event(enums.EVENT_TYPE_MARKER_RECORDED, marker("LocalActivity", 7)),
		event(enums.EVENT_TYPE_MARKER_RECORDED, marker("LocalActivity", 9)),
		event(enums.EVENT_TYPE_TIMER_STARTED, nil),
		event(enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, nil),
		event(enums.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, nil),
		event(enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, nil),
		event(enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, nil),
		event(enums.EVENT_TYPE_MARKER_RECORDED, marker("SideEffect", 9)),
		event(enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, nil),
	}
	n := CountActions(h)
	want := map[string]int{
		ActWorkflowStarted: 1, ActActivity: 3, ActLocalActivities: 2, ActTimer: 1, ActSignal: 1, ActUpdate: 1,
		ActUpsert: 1, ActSideEffect: 1, freeVersionMarker: 1, freeVersionUpsert: 1, freeSignalOut: 1,
	}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%s: %d, want %d", k, n[k], v)
		}
	}
	if len(n) != len(want) {
		t.Errorf("categories %v", n)
	}
	if got := Billable(n); got != 11 {
		t.Errorf("billable %d, want 11", got)
	}
	lines := Lines(n)
	if !lines[0].Billed || lines[len(lines)-1].Billed {
		t.Errorf("billed categories first: %+v", lines)
	}
}

func TestQuantileAndMedian(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if q := quantile(v, 0.5); q != 5 {
		t.Errorf("p50 %v", q)
	}
	if q := quantile(v, 0.99); q != 10 {
		t.Errorf("p99 %v", q)
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median %v", m)
	}
}
