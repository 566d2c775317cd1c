package intakeconf

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := Config{
		Meta: Meta{VerifyToken: "v", AppSecret: "s", Accounts: []Account{{ID: "1", Property: "facebook:acme"}, {ID: "2", Property: "instagram:acme"}}},
		X:    X{ConsumerSecret: "c", Accounts: []Account{{ID: "3", Property: "x:@acme_help"}}},
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(*Config){
		"intake.max_body_bytes":      func(c *Config) { c.MaxBodyBytes = -1 },
		"intake.submit_timeout":      func(c *Config) { c.SubmitTimeout = -1 },
		"intake.meta.verify_token":   func(c *Config) { c.Meta.VerifyToken = "" },
		"intake.meta.accounts[1].id": func(c *Config) { c.Meta.Accounts[1].ID = " " },
		"listed twice":               func(c *Config) { c.Meta.Accounts[1].ID = "1" },
		"not platform:name":          func(c *Config) { c.X.Accounts[0].Property = "@acme_help" },
		"platform must be one of x":  func(c *Config) { c.X.Accounts[0].Property = "facebook:acme" },
	} {
		c := good
		c.Meta.Accounts = append([]Account(nil), good.Meta.Accounts...)
		c.X.Accounts = append([]Account(nil), good.X.Accounts...)
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}
