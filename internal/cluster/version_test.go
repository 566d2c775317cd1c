package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Makefile builds, and docker-compose.yml runs, the server this
// package starts.
func TestTheServerVersionIsPinnedOnce(t *testing.T) {
	for file, want := range map[string]string{
		"Makefile":           "SERVER_VERSION := " + ServerVersion + "\n",
		"docker-compose.yml": "image: temporalio/server:" + strings.TrimPrefix(ServerVersion, "v") + "\n",
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not pin the Temporal server at %s (%q)", file, ServerVersion, strings.TrimSpace(want))
		}
	}
}
