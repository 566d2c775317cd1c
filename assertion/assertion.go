// Package assertion says who performs an action, in a form a workflow can
// check: a short-lived token, signed with Ed25519 by the component that
// turned a person into an actor (the console, the API the CLI uses), naming
// the actor as the agent directory has them, the one workflow and action it
// is for, and the request (the Update ID). A caller that can reach Temporal
// but holds no signing key can then act as no one: the payload's actor is
// only believed when a token signed by a trusted key says the same.
//
// Tokens are JWTs (RFC 7519, alg EdDSA) so any tool reads them; the
// validation is pure: it takes the time as an argument (a workflow's
// validator passes workflow.Now) and reads nothing else.
package assertion

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard-care/switchboard/policy"
)

// Lifetime is how long a token is good for: it is made for one request,
// sent at once, and checked when Temporal hands the Update to the case.
const Lifetime = 2 * time.Minute

// clockSkew is how far the signer's clock may run ahead of the workflow's.
const clockSkew = 30 * time.Second

// MaxTokenBytes bounds a token: an actor with a few departments and roles
// signs into well under a kilobyte.
const MaxTokenBytes = 4096

const issuer = "switchboard"

// For is what a token vouches for besides the actor.
type For struct {
	Target  string // the workflow: a case, a dispatcher, a journey
	Action  string // the Update's name
	Request string // the Update ID
	// Digest is the request's body (Digest), so a token seen in flight
	// cannot carry another text, agent or capacity.
	Digest string
}

// Digest is the SHA-256 of body's JSON, which both ends compute from the
// same Go value: the request without its token.
func Digest(body any) string {
	data, err := json.Marshal(body)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	sum := sha256.Sum256(data)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

type claims struct {
	jwt.RegisteredClaims
	Departments []string `json:"dep,omitempty"`
	Roles       []string `json:"rol,omitempty"`
	Action      string   `json:"act"`
	Digest      string   `json:"dig"`
	// Service marks a signal's token: its subject is a component, not an
	// agent, and it can never vouch for an Update.
	Service bool `json:"svc,omitempty"`
}

// Signer makes tokens with one private key.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, id: KeyID(key.Public().(ed25519.PublicKey))}
}

// Public is the key that verifies this signer's tokens.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign vouches that actor performs f, from now for Lifetime.
func (s *Signer) Sign(actor policy.Actor, f For, now time.Time) (string, error) {
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: actor.ID, Audience: jwt.ClaimStrings{f.Target}, ID: f.Request,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(Lifetime)),
		},
		Departments: actor.Departments, Roles: actor.Roles, Action: f.Action, Digest: f.Digest,
	}
	return s.sign(c)
}

func (s *Signer) sign(c claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = s.id
	return t.SignedString(s.key)
}

// KeyID names a public key in a token's header: the first 12 bytes of its
// SHA-256, so a verifier holding several keys (a rotation) knows which.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Keys are the public keys whose tokens are trusted, by KeyID. Listing
// the next key beside the current one lets signers move to it without a
// moment when their tokens are refused; dropping a key refuses its tokens
// at once, in running workflows too.
type Keys map[string]ed25519.PublicKey

// NewKeys trusts pubs.
func NewKeys(pubs ...ed25519.PublicKey) Keys {
	k := Keys{}
	for _, p := range pubs {
		k[KeyID(p)] = p
	}
	return k
}

// Refusal is a token that does not vouch for the action; the message says
// why without echoing the token.
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return "actor assertion: " + r.Msg }

func refuse(format string, args ...any) error { return &Refusal{Msg: fmt.Sprintf(format, args...)} }

// Verify checks that token, signed by one of k, vouches at now that actor
// performs f: the same actor (id, departments and roles), workflow, action
// and request, and not expired.
func (k Keys) Verify(token string, actor policy.Actor, f For, now time.Time) error {
	c, err := k.parse(token, f.Target, now)
	if err != nil {
		return err
	}
	switch {
	case c.Service:
		return refuse("it vouches for a component's signal, not an agent's action")
	case c.Subject != actor.ID || !slices.Equal(c.Departments, actor.Departments) || !slices.Equal(c.Roles, actor.Roles):
		return refuse("it vouches for %s, not the actor the request names", c.Subject)
	case c.Action != f.Action:
		return refuse("it is for %s, not %s", c.Action, f.Action)
	case c.ID != f.Request:
		return refuse("it is for another request")
	case c.Digest != f.Digest:
		return refuse("it was signed for another body of this request")
	}
	return nil
}

// parse checks token's signature, issuer, audience and times.
func (k Keys) parse(token, target string, now time.Time) (claims, error) {
	switch {
	case token == "":
		return claims{}, refuse("missing: act through the console or switchboard's API, which sign who you are")
	case len(token) > MaxTokenBytes:
		return claims{}, refuse("%d bytes, more than %d", len(token), MaxTokenBytes)
	case len(k) == 0:
		return claims{}, refuse("this worker trusts no signing key (security.verify_keys)")
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		id, _ := t.Header["kid"].(string)
		pub, ok := k[id]
		if !ok {
			return nil, errors.New("signed by a key this worker does not trust")
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(clockSkew), jwt.WithIssuedAt(), jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer), jwt.WithAudience(target))
	if err != nil {
		return claims{}, refuse("%v", err)
	}
	return c, nil
}
