package cli

import (
	"errors"

	"github.com/switchboard-care/switchboard/caseapi"
)

// Exit codes scripts can rely on.
const (
	ExitError       = 1 // anything else
	ExitUsage       = 2 // bad flags or arguments
	ExitRefused     = 3 // refused: a rule of the case, or beyond what the agent may see
	ExitNotFound    = 4 // no such case
	ExitUnavailable = 5 // Temporal could not be reached
)

type unavailableError struct{ error }

func (e unavailableError) Unwrap() error { return e.error }

// unavailable marks an error as "Temporal could not be reached".
func unavailable(err error) error { return unavailableError{err} }

type usageError struct{ error }

type refusedError struct{ error }

func (e refusedError) Unwrap() error { return e.error }

// refused marks an error as "not for this agent" (exit 3), as the case
// refuses an action.
func refused(err error) error { return refusedError{err} }

type notFoundError struct{ error }

func (e notFoundError) Unwrap() error { return e.error }

// notFound marks an error as "no such thing" (exit 4).
func notFound(err error) error { return notFoundError{err} }

func exitCode(err error) int {
	var refused *caseapi.RefusedError
	var unavail unavailableError
	var usage usageError
	var missing notFoundError
	var denied refusedError
	switch {
	case errors.As(err, &refused) || errors.As(err, &denied):
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
