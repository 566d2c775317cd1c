package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/switchboard-care/switchboard/casestate"
)

// call sends a JSON request to the API with token (none when empty).
func (f *fixture) call(method, path, token string, body any) (int, []byte) {
	f.t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(data))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

// The API acts as the agent its token names, whatever the body says: a
// body that names an actor is refused outright, and without a valid token
// nothing is done.
func TestTheAPIActsAsTheTokensAgent(t *testing.T) {
	f := newFixture(t, Options{})
	if status, body := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "sam", Password: "wrong"}); status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %s", status, body)
	}
	_, unknown := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "nobody", Password: "wrong"})
	_, wrong := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "sam", Password: "wrong"})
	if !bytes.Equal(unknown, wrong) {
		t.Errorf("an unknown id answers %s, a wrong password %s", unknown, wrong)
	}
	status, body := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "sam", Password: demoPassword})
	var tok Token
	if err := json.Unmarshal(body, &tok); status != http.StatusOK || err != nil || tok.Agent != "sam" || tok.Token == "" {
		t.Fatalf("sign-in: %d %s", status, body)
	}

	claim := ActRequest{CaseID: "s1", Kind: casestate.ActionClaim}
	for name, token := range map[string]string{"no token": "", "a made-up token": "c2Vzc2lvbg"} {
		if status, body := f.call(http.MethodPost, APIActions, token, claim); status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	forged := map[string]any{"case_id": "s1", "kind": "claim", "actor": map[string]any{"id": "sofia", "roles": []string{"lead"}}}
	if status, body := f.call(http.MethodPost, APIActions, tok.Token, forged); status != http.StatusBadRequest {
		t.Errorf("a body naming its actor: %d %s", status, body)
	}
	if status, body := f.call(http.MethodPost, APIActions, tok.Token, claim); status != http.StatusOK {
		t.Fatalf("claim: %d %s", status, body)
	}
	f.cases.refuse = "case is claimed by sam"
	status, body = f.call(http.MethodPost, APIActions, tok.Token, ActRequest{CaseID: "s2", Kind: casestate.ActionReply, Text: "hi"})
	var refusal APIError
	if err := json.Unmarshal(body, &refusal); status != http.StatusConflict || err != nil || !refusal.Refused || refusal.Error != f.cases.refuse {
		t.Errorf("refused action: %d %s", status, body)
	}
	f.cases.refuse = ""
	if status, body := f.call(http.MethodPost, APILinks, tok.Token, LinkRequest{Customer: "x:u1", Identity: "facebook:9"}); status != http.StatusOK {
		t.Errorf("link: %d %s", status, body)
	}
	if got, want := f.cases.actCalls(), []string{"claim s1 sam", "reply s2 sam", "link x:u1 facebook:9 sam"}; !slices.Equal(got, want) {
		t.Errorf("acted %q, want %q", got, want)
	}

	if status, _ := f.call(http.MethodDelete, APITokens, tok.Token, nil); status != http.StatusNoContent {
		t.Fatalf("sign-out: %d", status)
	}
	if status, _ := f.call(http.MethodPost, APIActions, tok.Token, claim); status != http.StatusUnauthorized {
		t.Errorf("a revoked token still acts: %d", status)
	}
}

// The API's sign-in counts against the same limits as the form's: once
// they are spent, the right password is refused too.
func TestTheAPIsSignInSharesTheAttemptLimits(t *testing.T) {
	f := newFixture(t, Options{})
	limited := false
	for range 30 {
		if status, _ := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "sam", Password: "guess"}); status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("30 wrong passwords in a row were never limited")
	}
	if status, body := f.call(http.MethodPost, APITokens, "", TokenRequest{Agent: "sam", Password: demoPassword}); status != http.StatusTooManyRequests {
		t.Errorf("the right password after the limit: %d %s", status, body)
	}
}
