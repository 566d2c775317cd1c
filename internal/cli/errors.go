package cli

import (
	"errors"

	"github.com/switchboard-care/switchboard/caseapi"
)

// Exit codes scripts can rely on.
const (
	ExitError       = 1 // anything else
	ExitUsage       = 2 // bad flags or arguments
	ExitRefused     = 3 // the case refused the action (a rule)
	ExitNotFound    = 4 // no such case
	ExitUnavailable = 5 // Temporal could not be reached
)

type unavailableError struct{ error }

func (e unavailableError) Unwrap() error { return e.error }

// unavailable marks an error as "Temporal could not be reached".
func unavailable(err error) error { return unavailableError{err} }

type usageError struct{ error }

type notFoundError struct{ error }

func (e notFoundError) Unwrap() error { return e.error }

// notFound marks an error as "no such thing" (exit 4).
func notFound(err error) error { return notFoundError{err} }

func exitCode(err error) int {
	var refused *caseapi.RefusedError
	var unavail unavailableError
	var usage usageError
	var missing notFoundError
	switch {
	case errors.As(err, &refused):
		return ExitRefused
	case errors.Is(err, caseapi.ErrNotFound) || errors.As(err, &missing):
		return ExitNotFound
	case errors.As(err, &unavail):
		return ExitUnavailable
	case errors.As(err, &usage):
		return ExitUsage
	}
	return ExitError
}
