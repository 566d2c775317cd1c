package intake

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-care/switchboard/config"
)

// The embedded demo configuration must give a server with every route on,
// and the demo secrets must be the ones docs/intake.md tells people to try.
func TestDemoConfigurationServes(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(newFakeCases(), cfg.Intake)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/meta?hub.mode=subscribe&hub.verify_token=demo-verify-token-change-me&hub.challenge=42", nil))
	if w.Code != http.StatusOK || w.Body.String() != "42" {
		t.Fatalf("handshake %d %q", w.Code, w.Body)
	}
	body := fixture(t, "x_tweet_create.json")
	req := httptest.NewRequest(http.MethodPost, "/webhooks/x", bytes.NewReader(body))
	req.Header.Set("X-Twitter-Webhooks-Signature", SignX([]byte(cfg.Intake.X.ConsumerSecret), body))
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("x delivery %d %s", w.Code, w.Body)
	}
	if cfg.Intake.Listen == "" || cfg.Intake.Generic.BearerToken == "" || cfg.Intake.SubmitTimeout == 0 {
		t.Fatalf("%+v", cfg.Intake)
	}
}
