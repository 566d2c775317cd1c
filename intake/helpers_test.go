package intake

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
)

// The accounts of the demo brand, as config/defaults/30-intake.yaml has them.
var (
	fbPage    = "104857600000001"
	igAccount = "17841400000000001"
	xHelp     = "1500000000000000001"
	xNews     = "1500000000000000002"
)

func testConfig() Config {
	return config.Intake{
		Listen:        "127.0.0.1:0",
		MaxBodyBytes:  64 << 10,
		SubmitTimeout: 2 * time.Second,
		Meta: config.IntakeMeta{
			VerifyToken: "test-verify-token",
			AppSecret:   "test-app-secret",
			Accounts: []config.IntakeAccount{
				{ID: fbPage, Property: "facebook:acme"},
				{ID: igAccount, Property: "instagram:acme"},
			},
		},
		X: config.IntakeX{
			ConsumerSecret: "test-consumer-secret",
			Accounts: []config.IntakeAccount{
				{ID: xHelp, Property: "x:@acme_help"},
				{ID: xNews, Property: "x:@acme_news"},
			},
		},
		Generic: config.IntakeGeneric{BearerToken: "test-bearer-token"},
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
