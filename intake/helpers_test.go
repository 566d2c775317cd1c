package intake

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/intake/intakeconf"
)

// The accounts of the demo brand, as config/defaults/30-intake.yaml has them.
var (
	fbPage    = "104857600000001"
	igAccount = "17841400000000001"
	xHelp     = "1500000000000000001"
	xNews     = "1500000000000000002"
)

func testConfig() Config {
	return intakeconf.Config{
		Listen:        "127.0.0.1:0",
		MaxBodyBytes:  64 << 10,
		SubmitTimeout: 2 * time.Second,
		Meta: intakeconf.Meta{
			VerifyToken: "test-verify-token",
			AppSecret:   "test-app-secret",
			Accounts: []intakeconf.Account{
				{ID: fbPage, Property: "facebook:acme"},
				{ID: igAccount, Property: "instagram:acme"},
			},
		},
		X: intakeconf.X{
			ConsumerSecret: "test-consumer-secret",
			Accounts: []intakeconf.Account{
				{ID: xHelp, Property: "x:@acme_help"},
				{ID: xNews, Property: "x:@acme_news"},
			},
		},
		Generic: intakeconf.Generic{BearerToken: "test-bearer-token"},
	}
}

func metaAccounts(t testing.TB) Accounts {
	a, err := NewAccounts(testConfig().Meta.Accounts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func xAccounts(t testing.TB) Accounts {
	a, err := NewAccounts(testConfig().X.Accounts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func intakeconfAccount(id, property string) intakeconf.Account {
	return intakeconf.Account{ID: id, Property: property}
}
