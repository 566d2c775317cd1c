package config

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Console is the agents' web console (the `console:` key). Sessions live in
// the console's memory, keyed by random ids, so there is no signing secret
// to configure or leak; a restart signs everyone out.
type Console struct {
	Listen          string        `mapstructure:"listen"`
	SessionTTL      time.Duration `mapstructure:"session_ttl"`
	SecureCookie    bool          `mapstructure:"secure_cookie"`
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
}

// Validate names the key of the first mistake. The console checks it when it
// starts rather than every command on load, so a typo here never stops a
// worker.
func (c Console) Validate() error {
	if c.Listen == "" {
		return errors.New("console.listen is required (host:port)")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("console.listen %q: %w", c.Listen, err)
	}
	if c.SessionTTL <= 0 {
		return fmt.Errorf("console.session_ttl must be positive, not %s", c.SessionTTL)
	}
	if c.RefreshInterval < time.Second {
		return fmt.Errorf("console.refresh_interval must be at least 1s, not %s", c.RefreshInterval)
	}
	return nil
}
