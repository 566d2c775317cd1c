package businesshours

import (
	"testing"
	"time"
)

func mustCal(t *testing.T, s Spec) *Calendar {
	t.Helper()
	c, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var weekdaysNineToSix = Spec{TimeZone: "Europe/London", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"}

func TestAddCarriesOverClosedTime(t *testing.T) {
	c := mustCal(t, weekdaysNineToSix)
	london := c.Location()
	cases := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside hours", time.Date(2015, 11, 18, 10, 0, 0, 0, london), time.Hour, time.Date(2015, 11, 18, 11, 0, 0, 0, london)},
		{"friday evening is due monday", time.Date(2015, 11, 20, 19, 0, 0, 0, london), time.Hour, time.Date(2015, 11, 23, 10, 0, 0, 0, london)},
		{"spills into next morning", time.Date(2015, 11, 18, 17, 30, 0, 0, london), time.Hour, time.Date(2015, 11, 19, 9, 30, 0, 0, london)},
		{"before opening", time.Date(2015, 11, 18, 6, 0, 0, 0, london), 30 * time.Minute, time.Date(2015, 11, 18, 9, 30, 0, 0, london)},
		{"exactly at close ends today", time.Date(2015, 11, 18, 17, 0, 0, 0, london), time.Hour, time.Date(2015, 11, 18, 18, 0, 0, 0, london)},
		{"zero lands on next opening", time.Date(2015, 11, 21, 12, 0, 0, 0, london), 0, time.Date(2015, 11, 23, 9, 0, 0, 0, london)},
		{"two working days", time.Date(2015, 11, 20, 9, 0, 0, 0, london), 18 * time.Hour, time.Date(2015, 11, 23, 18, 0, 0, 0, london)},
		{"across the spring DST change", time.Date(2015, 3, 27, 17, 0, 0, 0, london), 2 * time.Hour, time.Date(2015, 3, 30, 10, 0, 0, 0, london)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Add(tc.start, tc.d); !got.Equal(tc.want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got.In(london), tc.want)
			}
		})
	}
}

func TestFridayNineteenHundredIsDueMonday(t *testing.T) {
	c := mustCal(t, Spec{TimeZone: "America/New_York", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"})
	ny := c.Location()
	due := c.Add(time.Date(2015, 11, 20, 19, 0, 0, 0, ny), 2*time.Hour)
	if due.In(ny).Weekday() != time.Monday || due.In(ny).Hour() != 11 {
		t.Fatalf("due %s, want Monday 11:00 New York", due.In(ny))
	}
}

func TestBetweenIsTheInverseOfAdd(t *testing.T) {
	c := mustCal(t, weekdaysNineToSix)
	start := time.Date(2015, 11, 19, 16, 20, 0, 0, c.Location())
	for _, d := range []time.Duration{0, time.Minute, 3 * time.Hour, 11 * time.Hour, 40 * time.Hour} {
		if got := c.Between(start, c.Add(start, d)); got != d {
			t.Errorf("Between(start, Add(start, %s)) = %s", d, got)
		}
	}
	if got := c.Between(start, start.Add(-time.Hour)); got != 0 {
		t.Errorf("backwards interval = %s, want 0", got)
	}
}

func TestHolidaysAreClosed(t *testing.T) {
	s := weekdaysNineToSix
	s.Holidays = []string{"2015-12-25"}
	c := mustCal(t, s)
	due := c.Add(time.Date(2015, 12, 24, 17, 0, 0, 0, c.Location()), 2*time.Hour)
	want := time.Date(2015, 12, 28, 10, 0, 0, 0, c.Location())
	if !due.Equal(want) {
		t.Fatalf("due %s, want %s", due, want)
	}
}

func TestAlwaysOpen(t *testing.T) {
	c := mustCal(t, Spec{TimeZone: "UTC"})
	start := time.Date(2015, 11, 21, 23, 0, 0, 0, time.UTC)
	if got := c.Add(start, 2*time.Hour); !got.Equal(start.Add(2 * time.Hour)) {
		t.Fatalf("always-open Add = %s", got)
	}
	if !c.IsOpen(start) {
		t.Fatal("always-open calendar closed")
	}
}

func TestNewRejectsBadSpecs(t *testing.T) {
	for name, s := range map[string]Spec{
		"bad zone":    {TimeZone: "Mars/Olympus", Days: []string{"mon"}, Start: "09:00", End: "17:00"},
		"bad day":     {TimeZone: "UTC", Days: []string{"funday"}, Start: "09:00", End: "17:00"},
		"bad clock":   {TimeZone: "UTC", Days: []string{"mon"}, Start: "9am", End: "17:00"},
		"end first":   {TimeZone: "UTC", Days: []string{"mon"}, Start: "17:00", End: "09:00"},
		"bad holiday": {TimeZone: "UTC", Days: []string{"mon"}, Start: "09:00", End: "17:00", Holidays: []string{"xmas"}},
		"no zone":     {Days: []string{"mon"}, Start: "09:00", End: "17:00"},
	} {
		if _, err := New(s); err == nil {
			t.Errorf("%s: accepted %+v", name, s)
		}
	}
}
