package policy

import "fmt"

// RuleError is something a rule refused: an agent's action on a case, a
// shift change, an identity link. Rule names the rule, so the agent reads
// which one and a client can tell a refusal from a failure.
type RuleError struct {
	Rule string
	Msg  string
}

func (e *RuleError) Error() string { return "rule " + e.Rule + ": " + e.Msg }

// Refuse is the refusal of rule, its message formatted as by fmt.Sprintf.
func Refuse(rule, format string, args ...any) error {
	return &RuleError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
}
