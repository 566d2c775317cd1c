package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Signature errors. Both mean the body is refused before it is parsed.
var (
	ErrNoSignature  = errors.New("signature header missing")
	ErrBadSignature = errors.New("signature does not match the body")
)

const sigPrefix = "sha256="

func mac(secret, data []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(data)
	return h.Sum(nil)
}

// SignMeta is the X-Hub-Signature-256 value Meta sends for body: "sha256="
// and the hex HMAC-SHA256 of the raw body keyed with the app secret.
func SignMeta(secret, body []byte) string {
	return sigPrefix + hex.EncodeToString(mac(secret, body))
}

// VerifyMeta checks an X-Hub-Signature-256 header against the raw body.
func VerifyMeta(secret, body []byte, header string) error {
	return verify(secret, body, header, hex.DecodeString)
}

// SignX is the x-twitter-webhooks-signature value X sends for body:
// "sha256=" and the base64 HMAC-SHA256 keyed with the consumer secret.
func SignX(secret, body []byte) string {
	return sigPrefix + base64.StdEncoding.EncodeToString(mac(secret, body))
}

// VerifyX checks an x-twitter-webhooks-signature header against the raw body.
func VerifyX(secret, body []byte, header string) error {
	return verify(secret, body, header, base64.StdEncoding.DecodeString)
}

// XCRCResponse answers X's challenge-response check: the crc_token signed
// like a body, as the value of response_token.
func XCRCResponse(secret []byte, crcToken string) string {
	return SignX(secret, []byte(crcToken))
}

func verify(secret, body []byte, header string, decode func(string) ([]byte, error)) error {
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrNoSignature
	}
	// An empty secret would make every signature computable by anyone.
	if len(secret) == 0 {
		return errors.New("no secret configured to check the signature with")
	}
	algo, value, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(algo, "sha256") {
		return ErrBadSignature
	}
	got, err := decode(value)
	if err != nil {
		return ErrBadSignature
	}
	// hmac.Equal takes the same time wherever the first differing byte is,
	// so the response time tells an attacker nothing about the right value.
	if !hmac.Equal(got, mac(secret, body)) {
		return ErrBadSignature
	}
	return nil
}
