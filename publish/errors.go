package publish

import (
	"errors"
	"fmt"

	"github.com/switchboard-care/switchboard/policy"
)

// APIError is a platform refusing a request with an error status. Nothing
// was posted (see platform.SentStore for the 5xx caveat).
type APIError struct {
	Platform string
	Status   int
	Code     string // the platform's own error code, if it gave one
	Message  string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s API answered %d", e.Platform, e.Status)
	if e.Code != "" {
		msg += " (code " + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Temporary says a retry may succeed: rate limits and server errors. Other
// statuses (bad token, deleted comment, blocked user) will not change.
func (e *APIError) Temporary() bool {
	return e.Status == 429 || e.Status >= 500 // 429 Too Many Requests
}

// UnknownOutcomeError is a reply whose request reached the platform without
// its answer being recorded: it may be live. It is not sent again; check
// the platform, then platform.SentStore.Resolve the key.
type UnknownOutcomeError struct {
	Key   string
	Cause string
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("reply %s may already be published (%s); it is not sent again: check the platform, then resolve the key as sent or failed", e.Key, e.Cause)
}

// Permanent says an error will not go away by retrying the same reply: the
// private-channel rule or personal data in a public reply, an unknown outcome waiting for a person, or a
// platform refusal that is not a rate limit or server error. The publish
// activity should make these non-retryable.
func Permanent(err error) bool {
	var rule *policy.RuleError
	var unknown *UnknownOutcomeError
	var apiErr *APIError
	switch {
	case errors.As(err, &rule), errors.As(err, &unknown):
		return true
	case errors.As(err, &apiErr):
		return !apiErr.Temporary()
	}
	return false
}
