package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Console is the agents' web console (the `console:` key). Sessions live in
// the console's memory, keyed by random ids, so there is no signing secret
// to configure or leak; a restart signs everyone out.
type Console struct {
	Listen     string        `mapstructure:"listen"`
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	// TokenTTL is how long a personal token of the API (`switchboard
	// login`) acts for its agent.
	TokenTTL time.Duration `mapstructure:"token_ttl"`
	// SecureCookie overrides SecureCookies' choice; unset, cookies are
	// Secure whenever the console listens beyond loopback.
	SecureCookie    *bool         `mapstructure:"secure_cookie"`
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	// TrustedProxies are the addresses or CIDR ranges of the reverse proxies
	// in front of the console. Only for a request from one of them is the
	// client's address taken from X-Forwarded-For, so sign-in limits count
	// the real client, and nobody else can pick the address they are
	// counted under.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	// CannedReplies are the stock answers the case page offers to insert
	// into a reply, edited before it is sent.
	CannedReplies []CannedReply `mapstructure:"canned_replies"`
}

// CannedReply is a stock answer, offered on the cases of Department (any
// department when empty) whose post is in Language (any when empty). Its
// Text may hold the CannedPlaceholders, filled in for the case.
type CannedReply struct {
	Title      string `mapstructure:"title"`
	Department string `mapstructure:"department"`
	Language   string `mapstructure:"language"`
	Text       string `mapstructure:"text"`
}

// CannedPlaceholders are what a canned reply's text may name in braces:
// the customer's first name (else their handle), their handle, the case's
// id and the agent's first name.
var CannedPlaceholders = []string{"first_name", "handle", "case_id", "agent"}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Offered says whether the reply is offered on a case of dept in lang.
func (c CannedReply) Offered(dept, lang string) bool {
	return (c.Department == "" || c.Department == dept) && (c.Language == "" || c.Language == lang)
}

// SecureCookies says whether the console's cookies carry the Secure flag:
// secure_cookie if set, else true unless the console listens on loopback
// only. A console reachable from other machines is meant to sit behind
// TLS, and a session cookie must then never travel in clear.
func (c Console) SecureCookies() bool {
	if c.SecureCookie != nil {
		return *c.SecureCookie
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// Proxies parses TrustedProxies; a bare address is a range of one.
func (c Console) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if addr, err := netip.ParseAddr(p); err == nil {
			out = append(out, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("console.trusted_proxies: %q is neither an address nor a CIDR range", p)
		}
		out = append(out, prefix.Masked())
	}
	return out, nil
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
	if c.TokenTTL <= 0 {
		return fmt.Errorf("console.token_ttl must be positive, not %s", c.TokenTTL)
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if c.RefreshInterval < time.Second {
		return fmt.Errorf("console.refresh_interval must be at least 1s, not %s", c.RefreshInterval)
	}
	for i, r := range c.CannedReplies {
		if strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Text) == "" {
			return fmt.Errorf("console.canned_replies[%d]: a title and a text are required", i)
		}
		for _, m := range placeholder.FindAllStringSubmatch(r.Text, -1) {
			if !slices.Contains(CannedPlaceholders, m[1]) {
				return fmt.Errorf("console.canned_replies[%d] (%s): unknown placeholder {%s} (known: {%s})", i, r.Title, m[1], strings.Join(CannedPlaceholders, "}, {"))
			}
		}
	}
	return nil
}
