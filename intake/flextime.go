package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// flexTime reads the timestamps the platforms send: Unix seconds or
// milliseconds as a number or a string, RFC 3339, Facebook's
// "2006-01-02T15:04:05+0000" and X's v1.1 "Mon Jan 02 15:04:05 +0000 2006".
type flexTime struct{ time.Time }

// Unix times above this are milliseconds: as seconds they would be past the
// year 5000, as milliseconds they are after 1973.
const msThreshold = 100_000_000_000

func (f *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		f.Time = t
		return nil
	}
	t, err := parseUnix(string(b))
	if err != nil {
		return err
	}
	f.Time = t
	return nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", time.RubyDate}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := parseUnix(s); err == nil {
		return t, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is neither a Unix time nor a known layout", s)
}

func parseUnix(s string) (time.Time, error) {
	// Floats appear too (1.7953416E9 from some SDKs); a fraction of a
	// second is not worth keeping.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not a number", s)
	}
	if f <= 0 || f > 1e15 {
		return time.Time{}, fmt.Errorf("time %q is out of range", s)
	}
	if f >= msThreshold {
		return time.UnixMilli(int64(f)).UTC(), nil
	}
	return time.Unix(int64(f), 0).UTC(), nil
}
