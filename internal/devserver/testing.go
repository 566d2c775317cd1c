package devserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// EnvRequire makes tests fail, rather than skip, when no temporal binary is
// available; `make test` (and so CI) sets it.
const EnvRequire = "SWITCHBOARD_REQUIRE_TEMPORAL"

// ForTest starts a headless dev server with a file database in the test's
// temporary folder and stops it when the test ends.
func ForTest(t testing.TB, dynamicConfig ...string) *Server {
	t.Helper()
	bin, err := Find()
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	s, err := Start(context.Background(), Options{
		Binary: bin, UIPort: -1,
		DBFile:        filepath.Join(dir, "temporal.db"),
		LogFile:       filepath.Join(dir, "temporal.log"),
		DynamicConfig: dynamicConfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "temporal.log")); err == nil {
				t.Logf("temporal server log:\n%s", log)
			}
		}
	})
	return s
}
