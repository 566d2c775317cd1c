package caseapi

import (
	"strings"
	"testing"
)

// A customer id is the platform's to choose: quoted, it stays a value,
// whatever quotes and backslashes it holds.
func TestQueryQuotesCustomerIDs(t *testing.T) {
	for id, want := range map[string]string{
		`facebook:x\`:                        `CustomerId = 'facebook:x\\'`,
		`facebook:\') OR CustomerId != "" #`: `CustomerId = 'facebook:\\'') OR CustomerId != "" #'`,
		"x:o'brien":                          `CustomerId = 'x:o''brien'`,
	} {
		if q := (Filter{CustomerID: id}).Query(); !strings.Contains(q, want) {
			t.Errorf("%s: %s", id, q)
		}
	}
}
