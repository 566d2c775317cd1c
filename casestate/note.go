package casestate

import "time"

// checkNote: a note is for the owning department's eyes, on any case still
// open, the spam queue's included.
func (c *Case) checkNote(a Action, _ time.Time) error {
	if err := c.member(a); err != nil {
		return err
	}
	return needText(a.Text, "note")
}

func (c *Case) applyNote(a Action, _ string, now time.Time) []Notice {
	c.record(now, Event{Kind: EventNoted, Actor: a.Actor.ID, Text: a.Text})
	return nil
}
