// Package metricname names switchboard's own metrics. It is apart from
// package metrics, which builds the Prometheus and OpenTelemetry pipeline, so
// that the workflows can name what they count without linking the exporters.
package metricname

// Names of switchboard's own metrics (Prometheus adds _total to counters).
const (
	CasesOpened       = "switchboard_cases_opened"
	SLAWarnings       = "switchboard_sla_warnings"
	SLABreaches       = "switchboard_sla_breaches"
	Escalations       = "switchboard_escalations"
	Handoffs          = "switchboard_handoffs"
	FirstResponseTime = "switchboard_first_response_time" // seconds of working time
	WebhookResults    = "switchboard_webhook_results"
	// DispatchFailures counts messages a case could not get to its
	// department's dispatcher after its retries.
	DispatchFailures = "switchboard_dispatch_failures"
)
