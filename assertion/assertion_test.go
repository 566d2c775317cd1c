package assertion

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard-care/switchboard/policy"
)

func newSigner(t *testing.T) *Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return NewSigner(key)
}

func TestVerify(t *testing.T) {
	signer, stranger := newSigner(t), newSigner(t)
	keys := NewKeys(signer.Public())
	now := time.Date(2015, 6, 1, 9, 0, 0, 0, time.UTC)
	sofia := policy.Actor{ID: "sofia", Departments: []string{"support"}, Roles: []string{"lead"}}
	claim := For{Target: "case/x/1", Action: "claim", Request: "req-1", Digest: Digest(map[string]string{"text": "hello"})}
	sign := func(s *Signer, a policy.Actor, f For, at time.Time) string {
		tok, err := s.Sign(a, f, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(signer, sofia, claim, now)
	header, payload, _ := strings.Cut(good, ".")
	_, sig, _ := strings.Cut(payload, ".")
	forged := func(m jwt.SigningMethod, key any) string {
		tok := jwt.NewWithClaims(m, claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Subject: "sofia",
			Audience: jwt.ClaimStrings{claim.Target}, ID: claim.Request, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}, Departments: sofia.Departments, Roles: sofia.Roles, Action: "claim", Digest: claim.Digest})
		tok.Header["kid"] = KeyID(signer.Public())
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pr := sofia
	pr.Departments = []string{"support", "pr"}
	approver := sofia
	approver.Roles = []string{"lead", "approver"}
	for _, tc := range []struct {
		name  string
		token string
		actor policy.Actor
		f     For
		at    time.Time
		keys  Keys
		ok    bool
	}{
		{name: "signed for this actor, case, action and request", token: good, ok: true},
		{name: "checked a little before it was issued (clock skew)", token: good, at: now.Add(-20 * time.Second), ok: true},
		{name: "missing", token: ""},
		{name: "oversized", token: strings.Repeat("a", MaxTokenBytes+1)},
		{name: "expired", token: good, at: now.Add(Lifetime + clockSkew + time.Second)},
		{name: "issued in the future", token: good, at: now.Add(-time.Hour)},
		{name: "another actor", token: good, actor: policy.Actor{ID: "ghost", Departments: sofia.Departments, Roles: sofia.Roles}},
		{name: "more departments than signed", token: good, actor: pr},
		{name: "a role that was not signed", token: good, actor: approver},
		{name: "another case", token: good, f: For{Target: "case/x/2", Action: "claim", Request: "req-1", Digest: claim.Digest}},
		{name: "another action", token: good, f: For{Target: "case/x/1", Action: "approve", Request: "req-1", Digest: claim.Digest}},
		{name: "replayed for another request", token: good, f: For{Target: "case/x/1", Action: "claim", Request: "req-2", Digest: claim.Digest}},
		{name: "another body", token: good, f: For{Target: "case/x/1", Action: "claim", Request: "req-1", Digest: Digest(map[string]string{"text": "bye"})}},
		{name: "signed by a key not trusted", token: sign(stranger, sofia, claim, now)},
		{name: "after its key was dropped", token: good, keys: NewKeys(stranger.Public())},
		{name: "a worker that trusts no key", token: good, keys: Keys{}},
		{name: "alg none", token: forged(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType)},
		{name: "HS256 keyed with the public key", token: forged(jwt.SigningMethodHS256, []byte(signer.Public()))},
		{name: "payload swapped under the signature", token: header + "." + strings.Split(sign(signer, pr, claim, now), ".")[1] + "." + sig, actor: pr},
		{name: "garbage", token: "not.a.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			actor, f, at, k := tc.actor, tc.f, tc.at, tc.keys
			if actor.ID == "" {
				actor = sofia
			}
			if f == (For{}) {
				f = claim
			}
			if at.IsZero() {
				at = now
			}
			if k == nil {
				k = keys
			}
			err := k.Verify(tc.token, actor, f, at)
			if tc.ok != (err == nil) {
				t.Fatalf("Verify = %v, want ok %t", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), tc.token) && tc.token != "" {
				t.Errorf("the refusal echoes the token: %v", err)
			}
		})
	}
}

func TestRotationTrustsBothKeys(t *testing.T) {
	old, next := newSigner(t), newSigner(t)
	keys := NewKeys(old.Public(), next.Public())
	now := time.Date(2015, 6, 1, 9, 0, 0, 0, time.UTC)
	a, f := policy.Actor{ID: "paul", Departments: []string{"pr"}}, For{Target: "case/x/1", Action: "reply", Request: "r"}
	for _, s := range []*Signer{old, next} {
		tok, err := s.Sign(a, f, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Verify(tok, a, f, now); err != nil {
			t.Errorf("key %s: %v", KeyID(s.Public()), err)
		}
	}
}

// Processes that start together each find no key and make one: they must
// all end up signing with the same.
func TestProcessesRacingToMakeTheKeyShareOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.key")
	signers := make([]*Signer, 8)
	var wg sync.WaitGroup
	for i := range signers {
		wg.Go(func() {
			s, err := LoadSigner(path, true)
			if err != nil {
				t.Error(err)
				return
			}
			signers[i] = s
		})
	}
	wg.Wait()
	for _, s := range signers[1:] {
		if s == nil || !s.Public().Equal(signers[0].Public()) {
			t.Fatal("processes sign with different keys")
		}
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file %v, mode %v: want 0600", err, info.Mode())
	}
	if _, err := LoadSigner(filepath.Join(t.TempDir(), "absent.key"), false); err == nil {
		t.Error("a configured key that is missing was made up")
	}
	pub, err := ParsePublicKey(EncodePublicKey(signers[0].Public()))
	if err != nil || !pub.Equal(signers[0].Public()) {
		t.Errorf("public key round trip: %v", err)
	}
	if _, err := ParsePublicKey("c2hvcnQ="); err == nil {
		t.Error("a short key was taken")
	}
}
