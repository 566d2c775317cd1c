package intake

import (
	"errors"
	"strings"
	"testing"
)

func TestMetaSignatureKnownValue(t *testing.T) {
	// Computed independently: printf '%s' '{"object":"page","entry":[]}' |
	//   openssl dgst -sha256 -hmac test-app-secret
	body := []byte(`{"object":"page","entry":[]}`)
	const want = "sha256=1a82db3abc2fa71a3fffecfedef579a8468a44850cd8a83a0c56974faff81689"
	got := SignMeta([]byte("test-app-secret"), body)
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if err := VerifyMeta([]byte("test-app-secret"), body, got); err != nil {
		t.Fatal(err)
	}
	// Meta's header is lower-case hex; upper case decodes to the same bytes.
	if err := VerifyMeta([]byte("test-app-secret"), body, "sha256="+strings.ToUpper(strings.TrimPrefix(got, "sha256="))); err != nil {
		t.Fatalf("upper-case hex: %v", err)
	}
}

func TestSignatureRefusals(t *testing.T) {
	secret := []byte("test-app-secret")
	body := []byte(`{"object":"page","entry":[]}`)
	good := SignMeta(secret, body)
	for name, tc := range map[string]struct {
		body   []byte
		header string
		secret []byte
		want   error
	}{
		"missing":            {body, "", secret, ErrNoSignature},
		"blank":              {body, "   ", secret, ErrNoSignature},
		"wrong secret":       {body, SignMeta([]byte("other"), body), secret, ErrBadSignature},
		"body changed":       {[]byte(`{"object":"page","entry":[{}]}`), good, secret, ErrBadSignature},
		"sha1 header":        {body, "sha1=" + strings.TrimPrefix(good, "sha256="), secret, ErrBadSignature},
		"no algorithm":       {body, strings.TrimPrefix(good, "sha256="), secret, ErrBadSignature},
		"not hex":            {body, "sha256=zz" + good[9:], secret, ErrBadSignature},
		"truncated":          {body, good[:len(good)-2], secret, ErrBadSignature},
		"base64 for meta":    {body, SignX(secret, body), secret, ErrBadSignature},
		"no secret anywhere": {body, SignMeta(nil, body), nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			err := VerifyMeta(tc.secret, tc.body, tc.header)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestXSignatureAndCRC(t *testing.T) {
	secret := []byte("test-consumer-secret")
	body := fixture(t, "x_dm.json")
	sig := SignX(secret, body)
	if err := VerifyX(secret, body, sig); err != nil {
		t.Fatal(err)
	}
	if err := VerifyX(secret, append([]byte{}, body[:len(body)-2]...), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a changed body: %v", err)
	}
	if err := VerifyX(secret, body, SignMeta(secret, body)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("hex for X: %v", err)
	}
	// Computed independently: printf '%s' TOKEN |
	//   openssl dgst -sha256 -hmac test-consumer-secret -binary | base64
	got := XCRCResponse(secret, "9b4507b3-0a0b-4a6a-b1c5-3bb5d6ce3b6a")
	if want := "sha256=wtdu6WQpxXvFfLhwaO7Ulx2Hd47uoEE9TRGw7YrLPO4="; got != want {
		t.Fatalf("response token %q, want %q", got, want)
	}
}
