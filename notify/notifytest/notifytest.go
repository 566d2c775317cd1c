// Package notifytest runs, for tests, the places notices go: a real SMTP
// server and chat rooms' incoming webhooks, each keeping what it was sent.
package notifytest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Mailbox is a real SMTP server on a local port, keeping what it is sent.
type Mailbox struct {
	mu   sync.Mutex
	got  []Mail
	addr *net.TCPAddr
}

// Mail is one message the mailbox took: envelope and the whole message.
type Mail struct {
	From, To string
	Data     string
}

// StartMailbox starts a mailbox for the test.
func StartMailbox(t testing.TB) *Mailbox {
	t.Helper()
	m := &Mailbox{}
	s := smtp.NewServer(m)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().(*net.TCPAddr)
	go func() { _ = s.Serve(l) }() // ends when the listener closes
	t.Cleanup(func() { _ = s.Close() })
	return m
}

// NewSession is the SMTP backend's: one session per connection.
func (m *Mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

// Port is the port the mailbox listens on, on 127.0.0.1.
func (m *Mailbox) Port() int { return m.addr.Port }

// Mails are the messages taken so far.
func (m *Mailbox) Mails() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Mail(nil), m.got...)
}

type mailSession struct {
	box      *Mailbox
	from, to string
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	s.box.got = append(s.box.got, Mail{From: s.from, To: s.to, Data: string(b)})
	return nil
}

// ChatRoom is an incoming webhook that keeps each JSON payload; failing
// makes it answer 503 that many times first.
type ChatRoom struct {
	mu      sync.Mutex
	got     []map[string]any
	failing int
	srv     *httptest.Server
}

// StartChatRoom starts a chat room's webhook for the test.
func StartChatRoom(t testing.TB, failing int) *ChatRoom {
	t.Helper()
	c := &ChatRoom{failing: failing}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.failing > 0 {
			c.failing--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var body map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "want JSON", http.StatusBadRequest)
			return
		}
		c.got = append(c.got, body)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// URL is the webhook's address.
func (c *ChatRoom) URL() string { return c.srv.URL }

// Payloads are the JSON bodies taken so far.
func (c *ChatRoom) Payloads() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.got...)
}
