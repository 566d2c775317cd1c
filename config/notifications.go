package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/businesshours"
	"github.com/switchboard-care/switchboard/casestate"
)

// Notifications says how notices reach people beyond the console: by
// e-mail and to chat rooms' incoming webhooks (the `notifications:` key).
// Nothing is sent by a channel left unconfigured; the notifier's file and
// the log always get every notice.
type Notifications struct {
	// ConsoleURL is the console's address as people open it: each notice
	// links to its case there.
	ConsoleURL string `mapstructure:"console_url"`
	Email      Email  `mapstructure:"email"`
	// Chat are the incoming webhooks of chat rooms, by a name people and
	// departments refer to.
	Chat map[string]ChatRoom `mapstructure:"chat"`
	// People are the agents' own choices, by agent id; Departments, a
	// department's shared address and room for notices to the whole team.
	People      map[string]Recipient `mapstructure:"people"`
	Departments map[string]Recipient `mapstructure:"departments"`
}

// Email is the SMTP server notices are sent through.
type Email struct {
	Host     string `mapstructure:"host"` // empty: no e-mail
	Port     int    `mapstructure:"port"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"` // or SWITCHBOARD_NOTIFICATIONS_EMAIL_PASSWORD
	From     string `mapstructure:"from"`
	// TLS is starttls (the default), tls (implicit, port 465) or none (a
	// relay on the same machine or network only).
	TLS string `mapstructure:"tls"`
}

// Chat formats of incoming webhooks.
const (
	ChatSlack = "slack" // {"text": …}, as Slack, Mattermost and Rocket.Chat take it
	ChatTeams = "teams" // an Office 365 connector card, as Microsoft Teams takes it
)

// ChatRoom is one chat room's incoming webhook.
type ChatRoom struct {
	URL    string `mapstructure:"url"`
	Format string `mapstructure:"format"` // slack (the default) or teams
}

// Recipient is where a person's or a department's notices go, which kinds
// (every kind when empty), and when not to disturb them.
type Recipient struct {
	Email string   `mapstructure:"email"`
	Chat  string   `mapstructure:"chat"` // a room of Chat
	Kinds []string `mapstructure:"kinds"`
	// QuietHours are the hours no e-mail or chat reaches this person (the
	// console still shows the notice); a department's room is never quiet.
	QuietHours *QuietHours `mapstructure:"quiet_hours"`
}

// QuietHours run from From to To (HH:MM, past midnight when To is earlier)
// in TimeZone.
type QuietHours struct {
	From     string `mapstructure:"from"`
	To       string `mapstructure:"to"`
	TimeZone string `mapstructure:"time_zone"`
}

// Wants says whether the recipient takes notices of kind.
func (r Recipient) Wants(kind casestate.NoticeKind) bool {
	return len(r.Kinds) == 0 || slices.Contains(r.Kinds, string(kind))
}

// Quiet says whether at falls in the recipient's quiet hours.
func (r Recipient) Quiet(at time.Time) bool {
	q := r.QuietHours
	if q == nil {
		return false
	}
	loc, err := businesshours.LoadLocation(q.TimeZone)
	if err != nil {
		return false // Validate refused it
	}
	from, _ := businesshours.ParseClock(q.From)
	to, _ := businesshours.ParseClock(q.To)
	local := at.In(loc)
	now := local.Hour()*60 + local.Minute()
	if from <= to {
		return now >= from && now < to
	}
	return now >= from || now < to
}

// Validate names the key of the first mistake.
func (n Notifications) Validate(agents map[string]bool, departments []string) error {
	if n.ConsoleURL != "" {
		if u, err := url.Parse(n.ConsoleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("notifications.console_url %q is not an http(s) URL", n.ConsoleURL)
		}
	}
	if n.Email.Host != "" {
		if n.Email.From == "" {
			return fmt.Errorf("notifications.email.from is required with a host")
		}
		if !slices.Contains([]string{"", "starttls", "tls", "none"}, n.Email.TLS) {
			return fmt.Errorf("notifications.email.tls %q: use starttls, tls or none", n.Email.TLS)
		}
	}
	for name, room := range n.Chat {
		if u, err := url.Parse(room.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("notifications.chat.%s.url %q is not an http(s) URL", name, room.URL)
		}
		if !slices.Contains([]string{"", ChatSlack, ChatTeams}, room.Format) {
			return fmt.Errorf("notifications.chat.%s.format %q: use %s or %s", name, room.Format, ChatSlack, ChatTeams)
		}
	}
	check := func(key string, r Recipient) error {
		if r.Chat != "" {
			if _, ok := n.Chat[r.Chat]; !ok {
				return fmt.Errorf("%s.chat %q is no room of notifications.chat", key, r.Chat)
			}
		}
		if r.Email != "" && !strings.Contains(r.Email, "@") {
			return fmt.Errorf("%s.email %q is no address", key, r.Email)
		}
		for _, k := range r.Kinds {
			if !slices.Contains(casestate.NoticeKinds, casestate.NoticeKind(k)) {
				return fmt.Errorf("%s.kinds: unknown kind %q (known: %v)", key, k, casestate.NoticeKinds)
			}
		}
		if q := r.QuietHours; q != nil {
			if _, err := time.LoadLocation(q.TimeZone); err != nil || q.TimeZone == "" {
				return fmt.Errorf("%s.quiet_hours.time_zone %q: %v", key, q.TimeZone, err)
			}
			for _, c := range []string{q.From, q.To} {
				if _, err := businesshours.ParseClock(c); err != nil {
					return fmt.Errorf("%s.quiet_hours: %w", key, err)
				}
			}
		}
		return nil
	}
	for id, r := range n.People {
		if !agents[id] {
			return fmt.Errorf("notifications.people.%s: no such agent", id)
		}
		if err := check("notifications.people."+id, r); err != nil {
			return err
		}
	}
	for id, r := range n.Departments {
		if !slices.Contains(departments, id) {
			return fmt.Errorf("notifications.departments.%s: no such department", id)
		}
		if err := check("notifications.departments."+id, r); err != nil {
			return err
		}
	}
	return nil
}
