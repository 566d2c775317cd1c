package cli

import (
	"strings"
	"testing"
)

// A filter value no case can have is a usage error that names the valid
// values, before Temporal is asked: a typo must not read as "no cases".
func TestAFilterTypoIsAUsageError(t *testing.T) {
	t.Setenv("SWITCHBOARD_TEMPORAL_ADDRESS", "127.0.0.1:1") // nothing listens: only a valid filter gets that far
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--status", "opne"}, ExitUsage, "open, waiting_customer"},
		{[]string{"--department", "suport"}, ExitUsage, "support"},
		{[]string{"--priority", "P7"}, ExitUsage, "P1, P2, P3, P4"},
		{[]string{"--priority", "p1"}, ExitUnavailable, ""},
		{[]string{"--department", "support", "--status", "spam"}, ExitUnavailable, ""},
	} {
		out, code := run(t, append([]string{"cases", "list"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.says) {
			t.Errorf("cases list %s: exit %d %q, want exit %d naming %q", strings.Join(tc.args, " "), code, out, tc.code, tc.says)
		}
	}
}
