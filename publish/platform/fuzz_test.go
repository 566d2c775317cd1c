package platform

import (
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/publish"
)

// FuzzAPIErrors feeds the platforms' error bodies, which come from the
// network, to their readers: whatever the body, the error keeps the status
// and says which platform refused.
func FuzzAPIErrors(f *testing.F) {
	f.Add(400, []byte(`{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbC"}}`))
	f.Add(403, []byte(`{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`))
	f.Add(429, []byte(`{"errors":[{"message":"Rate limit exceeded","code":88}]}`))
	f.Add(502, []byte(`<html>Bad Gateway</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		for _, read := range []func(int, []byte) *publish.APIError{metaError, xError} {
			e := read(status, body)
			if e == nil || e.Status != status || !strings.HasPrefix(e.Error(), e.Platform+" API answered") {
				t.Fatalf("%#v", e)
			}
			if e.Temporary() != (status == 429 || status >= 500) {
				t.Fatalf("status %d temporary=%t", status, e.Temporary())
			}
		}
	})
}
