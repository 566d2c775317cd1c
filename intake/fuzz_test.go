package intake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets check properties rather than "does not panic" alone:
// whatever a parser accepts maps to valid posts of the right platform, and
// a signature check accepts exactly the right signature. CI runs each for a
// bounded time; a failing input lands in testdata/fuzz/<Target>/ and from
// then on runs as a regression test with every `go test`.

func seedFixtures(f *testing.F, prefix string) {
	files, err := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no %s fixtures: %v", prefix, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkBatch checks what a parser made of a body: valid posts on the
// route's platforms, and failures whose payload, parsed again, is that one
// failure alone (so a dead letter can be replayed).
func checkBatch(t *testing.T, b Batch, parse func([]byte) (Batch, error), platforms ...string) {
	t.Helper()
	for _, f := range b.Failed {
		again, err := parse(f.Payload)
		if err != nil || len(again.Failed) != 1 || len(again.Posts) != 0 || again.Failed[0].Reason != f.Reason {
			t.Fatalf("failure %+v: its payload parses to %+v, %v", f, again, err)
		}
	}
	for _, p := range b.Posts {
		if err := p.Validate(); err != nil {
			t.Fatalf("invalid post %+v: %v", p, err)
		}
		if len(platforms) > 0 && !contains(platforms, p.Platform) {
			t.Fatalf("post on platform %q", p.Platform)
		}
	}
	for _, e := range b.Edits {
		if e.PostID == "" || !contains(platforms, e.Platform) || (e.Kind != Edited && e.Kind != Deleted) {
			t.Fatalf("edit %+v", e)
		}
	}
	for _, l := range b.Links {
		if l.ID == "" || l.Parent == "" || l.ID == l.Parent {
			t.Fatalf("link %+v", l)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func FuzzParseMeta(f *testing.F) {
	seedFixtures(f, "meta_")
	f.Add([]byte(`{"object":"page","entry":[{"id":"104857600000001","time":"1795341600","messaging":[{"sender":{"id":"1"},"message":{"mid":"m_1","text":"hi"}}]}]}`))
	f.Add([]byte(`{"object":"instagram","entry":[{"id":"17841400000000001","changes":[{"field":"comments","value":{"id":"1","text":"x","from":{"id":"2"}}}]}]}`))
	accounts := metaAccounts(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseMeta(body, accounts)
		if err != nil {
			if _, ok := err.(*PayloadError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		checkBatch(t, b, func(body []byte) (Batch, error) { return ParseMeta(body, accounts) }, "facebook", "instagram")
	})
}

func FuzzParseX(f *testing.F) {
	seedFixtures(f, "x_")
	f.Add([]byte(`{"for_user_id":"1500000000000000001","tweet_create_events":[{"id_str":"1","text":"a &amp; b","user":{"id":1,"id_str":"1"},"timestamp_ms":"1795341600000"}]}`))
	f.Add([]byte(`{"for_user_id":"1500000000000000001","direct_message_events":[{"type":"message_create","id":"9","message_create":{"sender_id":"77","message_data":{"text":"hi"}}}],"users":{"77":{"id":77}}}`))
	accounts := xAccounts(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseX(body, accounts)
		if err != nil {
			if _, ok := err.(*PayloadError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		checkBatch(t, b, func(body []byte) (Batch, error) { return ParseX(body, accounts) }, "x")
	})
}

func FuzzParseGeneric(f *testing.F) {
	f.Add([]byte(`{"id":"x-1850001","platform":"x","property":"@acme_help","author":{"id":"u123","handle":"@jane","name":"Jane Doe","followers":120,"verified":false},"text":"where is my parcel","created_at":"2026-11-22T10:00:00Z","in_reply_to":"","thread_id":"","url":""}`))
	f.Add([]byte(`[{"id":"1","platform":"webchat","property":"site","author":{"id":"a"},"text":"t","created_at":"2026-11-22T10:00:00+01:00"},{"id":2}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := ParseGeneric(body, nil)
		if err != nil {
			if _, ok := err.(*PayloadError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if n := len(b.Posts) + len(b.Failed); n == 0 || n > MaxCanonicalBatch {
			t.Fatalf("%d posts accepted", n)
		}
		checkBatch(t, b, func(body []byte) (Batch, error) { return ParseGeneric(body, nil) })
	})
}

func FuzzVerifyMeta(f *testing.F) {
	f.Add([]byte("test-app-secret"), []byte(`{"object":"page","entry":[]}`), "sha256=1a82db3abc2fa71a3fffecfedef579a8468a44850cd8a83a0c56974faff81689")
	f.Add([]byte("s"), []byte(""), "SHA256=00")
	f.Add([]byte(""), []byte("x"), "")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		want := SignMeta(secret, body)
		err := VerifyMeta(secret, body, header)
		// Exactly the right signature passes: hex is case-insensitive, so
		// is the algorithm name, and surrounding space is trimmed.
		right := len(secret) > 0 && strings.EqualFold(strings.TrimSpace(header), want)
		if (err == nil) != right {
			t.Fatalf("VerifyMeta(%q, %q, %q) = %v, want accepted=%t", secret, body, header, err, right)
		}
		if len(secret) == 0 {
			return
		}
		if err := VerifyMeta(secret, body, want); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		changed := append(append([]byte{}, body...), '!')
		if VerifyMeta(secret, changed, want) == nil {
			t.Fatal("a changed body passed")
		}
	})
}

func FuzzVerifyX(f *testing.F) {
	f.Add([]byte("test-consumer-secret"), []byte(`{"for_user_id":"1"}`), "sha256=wtdu6WQpxXvFfLhwaO7Ulx2Hd47uoEE9TRGw7YrLPO4=", "9b4507b3-0a0b-4a6a-b1c5-3bb5d6ce3b6a")
	f.Add([]byte("s"), []byte("b"), "sha256=", "")
	f.Fuzz(func(t *testing.T, secret, body []byte, header, crcToken string) {
		h := hmac.New(sha256.New, secret)
		h.Write(body)
		mac := h.Sum(nil)
		err := VerifyX(secret, body, header)
		if err == nil {
			// Accepted means the header carried this body's MAC.
			algo, value, _ := strings.Cut(strings.TrimSpace(header), "=")
			got, derr := base64.StdEncoding.DecodeString(value)
			if len(secret) == 0 || !strings.EqualFold(algo, "sha256") || derr != nil || !bytes.Equal(got, mac) {
				t.Fatalf("VerifyX accepted %q for %q", header, body)
			}
		}
		if len(secret) == 0 {
			return
		}
		if err := VerifyX(secret, body, SignX(secret, body)); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		if VerifyX(secret, append(append([]byte{}, body...), '!'), SignX(secret, body)) == nil {
			t.Fatal("a changed body passed")
		}
		// The CRC answer is a signature of the token, which X checks.
		if err := VerifyX(secret, []byte(crcToken), XCRCResponse(secret, crcToken)); err != nil {
			t.Fatalf("CRC answer does not verify: %v", err)
		}
	})
}
