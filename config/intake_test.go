package config

import (
	"strings"
	"testing"
)

func TestValidateIntake(t *testing.T) {
	good := Intake{
		Meta: IntakeMeta{VerifyToken: "v", AppSecret: "s", Accounts: []IntakeAccount{{ID: "1", Property: "facebook:acme"}, {ID: "2", Property: "instagram:acme"}}},
		X:    IntakeX{ConsumerSecret: "c", Accounts: []IntakeAccount{{ID: "3", Property: "x:@acme_help"}}},
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(*Intake){
		"intake.max_body_bytes":      func(c *Intake) { c.MaxBodyBytes = -1 },
		"intake.submit_timeout":      func(c *Intake) { c.SubmitTimeout = -1 },
		"intake.meta.verify_token":   func(c *Intake) { c.Meta.VerifyToken = "" },
		"intake.meta.accounts[1].id": func(c *Intake) { c.Meta.Accounts[1].ID = " " },
		"listed twice":               func(c *Intake) { c.Meta.Accounts[1].ID = "1" },
		"not platform:name":          func(c *Intake) { c.X.Accounts[0].Property = "@acme_help" },
		"platform must be one of x":  func(c *Intake) { c.X.Accounts[0].Property = "facebook:acme" },
	} {
		c := good
		c.Meta.Accounts = append([]IntakeAccount(nil), good.Meta.Accounts...)
		c.X.Accounts = append([]IntakeAccount(nil), good.X.Accounts...)
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}
