package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Intake is the intake HTTP server (the `intake:` key): where it listens,
// how much it reads and the secrets each platform signs with. An empty
// secret turns that route off.
type Intake struct {
	Listen        string        `mapstructure:"listen"`
	MaxBodyBytes  int64         `mapstructure:"max_body_bytes"`
	SubmitTimeout time.Duration `mapstructure:"submit_timeout"`
	// Parallelism bounds the posts of one delivery submitted at once
	// (posts of one thread go in order); 0 takes the default.
	Parallelism int `mapstructure:"parallelism"`
	// DeliveryBudget is how long a delivery's posts are submitted before
	// the rest are deferred (kept, synced, and submitted in the
	// background), so a big delivery is answered inside the platforms'
	// timeouts; 0 takes the default.
	DeliveryBudget time.Duration `mapstructure:"delivery_budget"`
	Meta           IntakeMeta    `mapstructure:"meta"`
	X              IntakeX       `mapstructure:"x"`
	Generic        IntakeGeneric `mapstructure:"generic"`
}

// IntakeAccount maps a platform's numeric account id to the property key the
// policy knows it by ("facebook:acme").
type IntakeAccount struct {
	ID       string `mapstructure:"id"`
	Property string `mapstructure:"property"`
}

// IntakeMeta is the Facebook/Instagram app's webhook.
type IntakeMeta struct {
	VerifyToken string          `mapstructure:"verify_token"`
	AppSecret   string          `mapstructure:"app_secret"`
	Accounts    []IntakeAccount `mapstructure:"accounts"`
}

// IntakeX is the Account Activity webhook.
type IntakeX struct {
	ConsumerSecret string          `mapstructure:"consumer_secret"`
	Accounts       []IntakeAccount `mapstructure:"accounts"`
}

// IntakeGeneric is the canonical-post endpoint for any other source.
type IntakeGeneric struct {
	BearerToken string `mapstructure:"bearer_token"`
}

// Validate names the key of the first mistake.
func (c Intake) Validate() error {
	var errs []error
	if c.MaxBodyBytes < 0 {
		errs = append(errs, fmt.Errorf("intake.max_body_bytes: %d is negative", c.MaxBodyBytes))
	}
	if c.DeliveryBudget < 0 {
		errs = append(errs, fmt.Errorf("intake.delivery_budget: %s is negative", c.DeliveryBudget))
	}
	if c.Parallelism < 0 {
		errs = append(errs, fmt.Errorf("intake.parallelism: %d is negative", c.Parallelism))
	}
	if c.SubmitTimeout < 0 {
		errs = append(errs, fmt.Errorf("intake.submit_timeout: %s is negative", c.SubmitTimeout))
	}
	errs = append(errs, validAccounts("intake.meta.accounts", c.Meta.Accounts, "facebook", "instagram"))
	errs = append(errs, validAccounts("intake.x.accounts", c.X.Accounts, "x"))
	if c.Meta.AppSecret != "" && c.Meta.VerifyToken == "" {
		errs = append(errs, errors.New("intake.meta.verify_token is required with an app secret (Meta's subscription handshake sends it)"))
	}
	return errors.Join(errs...)
}

func validAccounts(key string, accounts []IntakeAccount, platforms ...string) error {
	seen := map[string]bool{}
	for i, a := range accounts {
		if strings.TrimSpace(a.ID) == "" {
			return fmt.Errorf("%s[%d].id is required", key, i)
		}
		if seen[a.ID] {
			return fmt.Errorf("%s[%d]: id %s is listed twice", key, i, a.ID)
		}
		seen[a.ID] = true
		platform, name, ok := strings.Cut(a.Property, ":")
		if !ok || name == "" {
			return fmt.Errorf("%s[%d].property %q is not platform:name", key, i, a.Property)
		}
		known := false
		for _, p := range platforms {
			known = known || p == platform
		}
		if !known {
			return fmt.Errorf("%s[%d].property %q: platform must be one of %s", key, i, a.Property, strings.Join(platforms, ", "))
		}
	}
	return nil
}
