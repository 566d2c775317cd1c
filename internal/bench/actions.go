package bench

import (
	"context"
	"sort"
	"sync/atomic"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
)

// Billable action categories, after Temporal Cloud's definition of an
// action (https://docs.temporal.io/cloud/actions): what each history event
// stands for. Queries and rejected updates leave no history; queries are
// counted at the client (see QueryCounter), rejections do not occur in the
// scripted journey.
const (
	ActWorkflowStarted = "workflow started"        // WorkflowExecutionStarted (client start, signal-with-start, child, continue-as-new)
	ActActivity        = "activity attempt"        // each attempt of an ActivityTaskScheduled (retries count again)
	ActLocalActivities = "local activities"        // LocalActivity markers: all of one workflow task count once
	ActTimer           = "timer started"           // TimerStarted
	ActSignal          = "signal"                  // WorkflowExecutionSignaled: one per signal, however sent
	ActUpdate          = "update accepted"         // WorkflowExecutionUpdateAccepted
	ActUpsert          = "search attribute upsert" // UpsertWorkflowSearchAttributes, except TemporalChangeVersion alone
	ActSideEffect      = "side effect"             // SideEffect / MutableSideEffect markers
	ActChild           = "child workflow"          // StartChildWorkflowExecutionInitiated (the child's own start is its WorkflowExecutionStarted)
	ActQuery           = "query answered by a worker"
)

// Not billed, but listed so the report shows where history goes.
const (
	freeVersionMarker = "version marker (not billed)"
	freeVersionUpsert = "TemporalChangeVersion upsert (not billed)"
	freeSignalOut     = "signal sent from a workflow (billed once, at the receiver)"
)

// CountActions tallies the billable actions in one workflow's history.
func CountActions(events []*historypb.HistoryEvent) map[string]int {
	n := map[string]int{}
	laTask := int64(-1) // the workflow task whose local activities were counted
	for _, e := range events {
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			n[ActWorkflowStarted]++
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			// Written once the attempt finished, with the attempt number:
			// attempt 3 means three billed starts.
			n[ActActivity] += max(int(e.GetActivityTaskStartedEventAttributes().GetAttempt()), 1)
		case enums.EVENT_TYPE_TIMER_STARTED:
			n[ActTimer]++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			n[ActSignal]++
		case enums.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
			n[freeSignalOut]++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			n[ActUpdate]++
		case enums.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			n[ActChild]++
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, ok := fields["TemporalChangeVersion"]; ok && len(fields) == 1 {
				n[freeVersionUpsert]++
			} else {
				n[ActUpsert]++
			}
		case enums.EVENT_TYPE_MARKER_RECORDED:
			switch e.GetMarkerRecordedEventAttributes().GetMarkerName() {
			case "LocalActivity":
				if id := e.GetMarkerRecordedEventAttributes().GetWorkflowTaskCompletedEventId(); id != laTask {
					laTask = id
					n[ActLocalActivities]++
				}
			case "Version":
				n[freeVersionMarker]++
			case "SideEffect", "MutableSideEffect":
				n[ActSideEffect]++
			}
		}
	}
	return n
}

// Billable sums the billed categories of a tally.
func Billable(n map[string]int) int {
	total := 0
	for k, v := range n {
		switch k {
		case freeVersionMarker, freeVersionUpsert, freeSignalOut:
		default:
			total += v
		}
	}
	return total
}

// History reads a workflow's whole history.
func History(ctx context.Context, tc client.Client, id string) ([]*historypb.HistoryEvent, error) {
	it := tc.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ActionLine is one category of a tally, for the report.
type ActionLine struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
	Billed   bool   `json:"billed"`
}

// Lines lists a tally in a stable order, billed categories first.
func Lines(n map[string]int) []ActionLine {
	var out []ActionLine
	for k, v := range n {
		billed := k != freeVersionMarker && k != freeVersionUpsert && k != freeSignalOut
		out = append(out, ActionLine{Category: k, Count: v, Billed: billed})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Billed != out[j].Billed {
			return out[i].Billed
		}
		return out[i].Category < out[j].Category
	})
	return out
}

// QueryCounter is a client interceptor counting queries that a worker
// answered: a billable action that leaves no trace in history.
type QueryCounter struct {
	interceptor.ClientInterceptorBase
	n atomic.Int64
}

// Count is the number of answered queries so far.
func (q *QueryCounter) Count() int { return int(q.n.Load()) }

// InterceptClient wraps the outbound calls.
func (q *QueryCounter) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &queryCounting{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, q: q}
}

type queryCounting struct {
	interceptor.ClientOutboundInterceptorBase
	q *QueryCounter
}

func (c *queryCounting) QueryWorkflow(ctx context.Context, in *interceptor.ClientQueryWorkflowInput) (converter.EncodedValue, error) {
	v, err := c.Next.QueryWorkflow(ctx, in)
	if err == nil { // a query of a missing workflow never reaches a worker
		c.q.n.Add(1)
	}
	return v, err
}
