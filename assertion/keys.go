package assertion

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LoadSigner reads an Ed25519 private key in PEM (PKCS #8, as
// `openssl genpkey -algorithm ed25519` writes it). With create, a missing
// file is made first, readable by its owner only; processes that start
// together and race to make it all end up with the one that won.
func LoadSigner(path string, create bool) (*Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err = makeKey(path); err == nil {
			data, err = os.ReadFile(path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: not a PEM private key", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	ed, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: a %T, not Ed25519", path, key)
	}
	return NewSigner(ed), nil
}

// makeKey writes a new key beside path and links it into place, which
// fails if another process got there first: no one ever reads half a key.
func makeKey(path string) error {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-*.key")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// ParsePublicKey reads a public key as configured: PEM (PKIX, as `openssl
// pkey -pubout` writes it) or the 32 bytes in base64.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if block, _ := pem.Decode([]byte(s)); block != nil {
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		ed, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T, not an Ed25519 public key", key)
		}
		return ed, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("not a PEM public key nor %d bytes in base64", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// EncodePublicKey writes pub the short way ParsePublicKey reads.
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// Encoded is k the short way, in KeyID order: a value a workflow can
// record in its history (see workflows' signal gate).
func (k Keys) Encoded() []string {
	ids := slices.Sorted(maps.Keys(k))
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = EncodePublicKey(k[id])
	}
	return out
}

// DecodeKeys reads what Encoded wrote, skipping what is not a key.
func DecodeKeys(encoded []string) Keys {
	k := Keys{}
	for _, s := range encoded {
		if pub, err := ParsePublicKey(s); err == nil {
			k[KeyID(pub)] = pub
		}
	}
	return k
}
