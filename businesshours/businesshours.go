// Package businesshours does SLA calendar math: adding a working duration to
// an instant, and measuring the working time between two instants, in a
// department's time zone and opening hours.
package businesshours

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the same zone rules on every worker, so replays agree
)

// Calendar holds a department's opening hours. The zero value is invalid; use
// New or AlwaysOpen.
type Calendar struct {
	loc      *time.Location
	open     [7]bool // by time.Weekday
	startMin int     // minutes after local midnight
	endMin   int
	holidays map[string]bool // "2006-01-02" in local time
	always   bool
}

// Spec is the serialisable description of a calendar, as configured.
type Spec struct {
	TimeZone string   `json:"timezone" mapstructure:"timezone"`
	Days     []string `json:"days" mapstructure:"days"`   // mon, tue, …; empty with Start=End="00:00" means always open
	Start    string   `json:"start" mapstructure:"start"` // "09:00"
	End      string   `json:"end" mapstructure:"end"`     // "18:00"; "24:00" allowed
	Holidays []string `json:"holidays,omitempty" mapstructure:"holidays"`
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// locations caches time zones by name: loading one parses the embedded
// zone database, and every case asks for its departments' calendars often.
// A *time.Location is immutable, so sharing it is safe.
var locations sync.Map

// LoadLocation is time.LoadLocation, each zone parsed once.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// New builds a calendar from its spec, or says which part is wrong.
func New(s Spec) (*Calendar, error) {
	loc, err := LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		return nil, fmt.Errorf("timezone %q is not a known IANA zone", s.TimeZone)
	}
	c := &Calendar{loc: loc, holidays: map[string]bool{}}
	if len(s.Days) == 0 && s.Start == "" && s.End == "" {
		c.always = true
		return c, nil
	}
	for _, d := range s.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			return nil, fmt.Errorf("days: %q is not a weekday (use mon, tue, wed, thu, fri, sat, sun)", d)
		}
		c.open[wd] = true
	}
	if len(s.Days) == 0 {
		return nil, errors.New("days: at least one weekday is required")
	}
	if c.startMin, err = ParseClock(s.Start); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if c.endMin, err = ParseClock(s.End); err != nil {
		return nil, fmt.Errorf("end: %w", err)
	}
	if c.endMin <= c.startMin {
		return nil, fmt.Errorf("end %s must be after start %s", s.End, s.Start)
	}
	for _, h := range s.Holidays {
		if _, err := time.ParseInLocation(time.DateOnly, h, loc); err != nil {
			return nil, fmt.Errorf("holidays: %q is not a date (YYYY-MM-DD)", h)
		}
		c.holidays[h] = true
	}
	return c, nil
}

// AlwaysOpen is a 24×7 calendar in UTC.
func AlwaysOpen() *Calendar { return &Calendar{loc: time.UTC, always: true} }

// ParseClock reads a time of day, HH:MM, as minutes after midnight.
func ParseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return h*60 + m, nil
}

// window returns the opening interval of the local day that contains t, or
// ok=false when the department is closed all that day.
func (c *Calendar) window(day time.Time) (open, close time.Time, ok bool) {
	y, m, d := day.In(c.loc).Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	if !c.open[date.Weekday()] || c.holidays[date.Format(time.DateOnly)] {
		return time.Time{}, time.Time{}, false
	}
	open = time.Date(y, m, d, c.startMin/60, c.startMin%60, 0, 0, c.loc)
	close = time.Date(y, m, d, c.endMin/60, c.endMin%60, 0, 0, c.loc)
	return open, close, true
}

func nextDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// maxDays bounds the search for open time, so a calendar with every day a
// holiday cannot loop forever.
const maxDays = 3 * 366

// Add returns the instant at which d of working time has passed since start.
// A zero or negative d returns the next open instant at or after start.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c.always {
		return start.Add(max(d, 0))
	}
	t := start
	for range maxDays {
		open, close, ok := c.window(t)
		if ok && t.Before(close) {
			if t.Before(open) {
				t = open
			}
			avail := close.Sub(t)
			if d <= avail {
				return t.Add(max(d, 0))
			}
			d -= avail
		}
		t = nextDay(t, c.loc)
	}
	return t
}

// Between returns the working time from a to b (zero when b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always {
		return b.Sub(a)
	}
	var total time.Duration
	for t := a; t.Before(b); t = nextDay(t, c.loc) {
		open, close, ok := c.window(t)
		if !ok {
			continue
		}
		from, to := maxTime(open, t), minTime(close, b)
		if to.After(from) {
			total += to.Sub(from)
		}
	}
	return total
}

// IsOpen reports whether t falls in working time.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.always {
		return true
	}
	open, close, ok := c.window(t)
	return ok && !t.Before(open) && t.Before(close)
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
