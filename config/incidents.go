package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-care/switchboard/spike"
)

// Incidents configure the crisis watch (package spike) and its incidents
// (package incident): when many customers of a property write about one
// cause, an incident opens for the centre of excellence.
type Incidents struct {
	// Watch turns the watch on: intake tells each property's watch of its
	// new cases' posts.
	Watch bool `mapstructure:"watch"`
	// The detector's baseline and thresholds (spike.Options says what
	// each means).
	Window   time.Duration `mapstructure:"window"`
	Days     int           `mapstructure:"days"`
	MinDays  int           `mapstructure:"min_days"`
	MinPosts int           `mapstructure:"min_posts"`
	Surprise float64       `mapstructure:"surprise"`
	Floor    float64       `mapstructure:"floor"`
	MaxTerms int           `mapstructure:"max_terms"`
	Quiet    time.Duration `mapstructure:"quiet"`
	// NegativeSentiment is the sentiment at or below which a post counts
	// as negative, as a complaint does.
	NegativeSentiment float64 `mapstructure:"negative_sentiment"`
	// PublicDepartment approves what an incident says in public (PR);
	// empty, the centre of excellence's leads do.
	PublicDepartment string `mapstructure:"public_department"`
	// SendsPerMinute paces a statement to the member cases, below the
	// platforms' reply rate limits.
	SendsPerMinute int `mapstructure:"sends_per_minute"`
}

// Detector is the detector's options.
func (i Incidents) Detector() spike.Options {
	return spike.Options{Window: i.Window, Days: i.Days, MinDays: i.MinDays, MinPosts: i.MinPosts, Surprise: i.Surprise,
		Floor: i.Floor, MaxTerms: i.MaxTerms, Quiet: i.Quiet}
}

func (i Incidents) validate(departments []string) error {
	switch {
	case i.Window <= 0 || i.Quiet < 0:
		return fmt.Errorf("incidents: window %s must be positive, quiet %s not negative", i.Window, i.Quiet)
	case i.Days < 1 || i.MinDays < 0 || i.MinDays > i.Days:
		return fmt.Errorf("incidents: days %d must be at least 1 and min_days %d between 0 and days", i.Days, i.MinDays)
	case i.MinPosts < 1 || i.MaxTerms < 0 || i.SendsPerMinute < 1:
		return fmt.Errorf("incidents: min_posts %d and sends_per_minute %d must be at least 1, max_terms %d not negative", i.MinPosts, i.SendsPerMinute, i.MaxTerms)
	case i.Surprise <= 0 || i.Surprise >= 1 || i.Floor <= 0:
		return fmt.Errorf("incidents: surprise %v must be between 0 and 1, floor %v positive", i.Surprise, i.Floor)
	case i.NegativeSentiment < -1 || i.NegativeSentiment > 1:
		return fmt.Errorf("incidents: negative_sentiment %v must be between -1 and 1", i.NegativeSentiment)
	}
	if i.PublicDepartment != "" && !slices.Contains(departments, i.PublicDepartment) {
		return fmt.Errorf("incidents.public_department: %q is not a department (%v)", i.PublicDepartment, departments)
	}
	return nil
}
