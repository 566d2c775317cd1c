package slareport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseWindow reads a look-back such as "7d", "2w", "36h" or "1d12h":
// time.ParseDuration's units plus d (24h) and w (7d), which it lacks and
// which reports are usually asked in. Days are 24 hours, not calendar days.
func ParseWindow(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	var total time.Duration
	rest := in
	for {
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits == 0 || digits == len(rest) || (rest[digits] != 'd' && rest[digits] != 'w') {
			break
		}
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("window %q: %s is too large", s, rest[:digits])
		}
		unit := 24 * time.Hour
		if rest[digits] == 'w' {
			unit *= 7
		}
		total += time.Duration(n) * unit
		rest = rest[digits+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || (strings.HasPrefix(rest, "-") && rest != in) {
			return 0, fmt.Errorf("window %q: want a duration such as 7d, 2w, 36h or 1d12h", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("window %q: want a positive duration such as 7d", s)
	}
	return total, nil
}
