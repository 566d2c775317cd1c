package assertion

import (
	"crypto/rand"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// SignalLifetime is how long a signal's token is good for. A signal waits
// in the receiver's history until a worker takes it, so the lifetime must
// outlast any outage of the workers: a token that expired while it waited
// would refuse a post the platform was told was received. Replays inside
// the lifetime are what Seen keeps out.
const SignalLifetime = 7 * 24 * time.Hour

// SignSignal vouches that sender, a switchboard component ("intake", "case",
// "dispatcher", …), sends f.Action to f.Target with the body f.Digest,
// from now for SignalLifetime. An empty f.Request gets a random one: a
// workflow, which may not draw random numbers, names its own.
func (s *Signer) SignSignal(sender string, f For, now time.Time) (string, error) {
	if f.Request == "" {
		f.Request = rand.Text()
	}
	return s.sign(claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: sender, Audience: jwt.ClaimStrings{f.Target}, ID: f.Request,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(SignalLifetime)),
		},
		Action: f.Action, Digest: f.Digest, Service: true,
	})
}

// Seen is a signal token a receiver took, kept until it expires so that
// the same token sent again is refused.
type Seen struct {
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// VerifySignal checks that token, signed by one of k, vouches at now that
// one of senders sends f.Action with body f.Digest to f.Target (f.Request
// is the token's own), and that it is not among seen. It returns the token
// to remember.
func (k Keys) VerifySignal(token string, senders []string, f For, now time.Time, seen []Seen) (Seen, error) {
	if token == "" {
		return Seen{}, refuse("missing: only switchboard's components, which sign what they send, may send %s", f.Action)
	}
	c, err := k.parse(token, f.Target, now)
	if err != nil {
		return Seen{}, err
	}
	switch {
	case !c.Service:
		return Seen{}, refuse("it vouches for an agent's action, not a component's signal")
	case !slices.Contains(senders, c.Subject):
		return Seen{}, refuse("%s does not send %s", c.Subject, f.Action)
	case c.Action != f.Action:
		return Seen{}, refuse("it is for %s, not %s", c.Action, f.Action)
	case c.Digest != f.Digest:
		return Seen{}, refuse("it was signed for another body")
	case c.ID == "" || slices.ContainsFunc(seen, func(s Seen) bool { return s.ID == c.ID }):
		return Seen{}, refuse("it was taken before (a replay)")
	}
	return Seen{ID: c.ID, Expires: c.ExpiresAt.Add(clockSkew)}, nil
}

// Unexpired is seen without the tokens that expired by now, which could
// not be replayed anyway.
func Unexpired(seen []Seen, now time.Time) []Seen {
	return slices.DeleteFunc(seen, func(s Seen) bool { return !now.Before(s.Expires) })
}
