package publish

import (
	"cmp"
	"time"
)

// Config is the `publishers:` key. Each real platform is off unless
// enabled; what is off goes to the sandbox outbox.
type Config struct {
	Meta MetaConfig `mapstructure:"meta"`
	X    XConfig    `mapstructure:"x"`
}

// DefaultTimeout bounds one platform request.
const DefaultTimeout = 15 * time.Second

// RequestTimeout is the longest a request to a real platform may take.
func (c Config) RequestTimeout() time.Duration {
	return max(cmp.Or(c.Meta.Timeout, DefaultTimeout), cmp.Or(c.X.Timeout, DefaultTimeout))
}

// MetaConfig is the Graph API publisher for Facebook pages and Instagram
// accounts.
type MetaConfig struct {
	Enabled bool          `mapstructure:"enabled"`
	BaseURL string        `mapstructure:"base_url"` // https://graph.facebook.com/v21.0
	Timeout time.Duration `mapstructure:"timeout"`
	Pages   []MetaPage    `mapstructure:"pages"`
}

// MetaPage is one property's page and its page access token (or the
// environment variable holding it). An Instagram property names the
// Facebook page its account is linked to: messages go through the page.
type MetaPage struct {
	Property       string `mapstructure:"property"` // "facebook:acme"
	PageID         string `mapstructure:"page_id"`
	AccessToken    string `mapstructure:"access_token"`
	AccessTokenEnv string `mapstructure:"access_token_env"`
}

// XConfig is the X API v2 publisher.
type XConfig struct {
	Enabled  bool          `mapstructure:"enabled"`
	BaseURL  string        `mapstructure:"base_url"` // https://api.x.com
	Timeout  time.Duration `mapstructure:"timeout"`
	Accounts []XAccount    `mapstructure:"accounts"`
}

// XAccount is one property's OAuth 2.0 user access token (scopes
// tweet.write, dm.write), or the environment variable holding it.
type XAccount struct {
	Property       string `mapstructure:"property"` // "x:@acme_help"
	AccessToken    string `mapstructure:"access_token"`
	AccessTokenEnv string `mapstructure:"access_token_env"`
}
