// Package notify delivers a case's notices where people are: to the
// notifications file the console and operators read, by e-mail and to chat
// rooms' incoming webhooks, as each person and department chose (the
// notifications: configuration), each delivery once. It runs in
// the Notify activity, which the case starts on its own coroutine, so a
// mail server or chat that is down delays nothing but its own notice,
// retried with the activity's backoff.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/policy"
)

// sendTimeout bounds one delivery: well inside the activity's 30 seconds.
const sendTimeout = 10 * time.Second

// tableSent keeps the deliveries made, so a retried activity skips them.
const tableSent = "notify-sent"

// keepSent is how long a delivery is remembered: longer than any retry.
const keepSent = 7 * 24 * time.Hour

// keepInApp is how long an agent's console lists a notice.
const keepInApp = 3 * 24 * time.Hour

// InApp is a notice as an agent's console lists it.
type InApp struct {
	CaseID string               `json:"case_id"`
	Kind   casestate.NoticeKind `json:"kind"`
	Text   string               `json:"text"`
	At     time.Time            `json:"at"`
}

func inAppTable(agent string) string { return "notices/" + agent }

// Latest are the newest n notices for agent's console, newest first.
func Latest(ctx context.Context, store *kv.Store, agent string, n int) ([]InApp, error) {
	all, err := kv.All[InApp](ctx, store, inAppTable(agent))
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b InApp) int { return b.At.Compare(a.At) })
	return all[:min(n, len(all))], nil
}

// Notifier delivers notices.
type Notifier struct {
	cfg    config.Notifications
	agents []policy.Agent
	file   *jsonl.File
	sent   *kv.Store
	http   *http.Client
	now    func() time.Time
	log    *zap.Logger
}

// New is a notifier for cfg's channels and people that writes every notice
// to the JSON-lines file at path, remembering its deliveries in sent
// (shared by every worker replica).
func New(cfg *config.Config, path string, sent *kv.Store, log *zap.Logger) (*Notifier, error) {
	f, err := jsonl.OpenAppend(path, false)
	if err != nil {
		return nil, fmt.Errorf("open notifications: %w", err)
	}
	return &Notifier{cfg: cfg.Notifications, agents: cfg.Directory().All(), file: f, sent: sent,
		http: &http.Client{Timeout: sendTimeout}, now: time.Now, log: log}, nil
}

// delivery is one message to one place: the file, an agent's console, an
// address or a room.
type delivery struct {
	key     string // the notice, the channel and the place: what makes it this one
	notice  casestate.Notice
	agent   string    // an agent's console, or
	at      time.Time // when the notice was sent, a nanosecond apart in its batch: the console's order
	email   string    // an address, or
	room    string    // a chat room's name, or none of them: the file
	subject string
	link    string
}

// Deliver sends each notice where its recipients want it. id names this
// batch across retries (the activity's run and id): a delivery made by an
// earlier attempt is not made again. Deliveries run side by side, so one
// host that does not answer holds up only its own; Deliver returns their
// failures together, after trying every one.
func (n *Notifier) Deliver(ctx context.Context, id string, notices []casestate.Notice) error {
	plan := n.plan(id, notices, n.now())
	errs := make([]error, len(plan))
	var wg sync.WaitGroup
	slots := make(chan struct{}, parallelSends)
	for i, d := range plan {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = n.deliverOnce(ctx, d)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// parallelSends bounds the deliveries under way at once.
const parallelSends = 8

// deliverOnce makes d unless an earlier attempt did, and remembers it made
// it even if the attempt's time is up just then: a retry must not send it
// again.
func (n *Notifier) deliverOnce(ctx context.Context, d delivery) error {
	var done bool
	if ok, err := n.sent.Get(ctx, tableSent, d.key, &done); err != nil || ok {
		return err
	}
	if err := n.send(ctx, d); err != nil {
		return err
	}
	keep, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	if err := n.sent.Put(keep, tableSent, d.key, true, n.now().Add(keepSent)); err != nil {
		return err
	}
	if d.email != "" || d.room != "" {
		n.log.Info("notice delivered", zap.String("key", d.key))
	}
	return nil
}

// plan is every delivery of notices at now.
func (n *Notifier) plan(id string, notices []casestate.Notice, now time.Time) []delivery {
	var out []delivery
	for i, nt := range notices {
		link := n.caseLink(nt.CaseID)
		subject := fmt.Sprintf("[switchboard] %s: %s", strings.ReplaceAll(string(nt.Kind), "_", " "), nt.CaseID)
		base := fmt.Sprintf("%s/%d", id, i)
		out = append(out, delivery{key: base + "/file", notice: nt})
		planned := map[string]bool{} // an address or a room several recipients share gets the notice once
		add := func(r config.Recipient, quietable bool) {
			if !r.Wants(nt.Kind) || (quietable && r.Quiet(now)) {
				return
			}
			if key := base + "/email/" + r.Email; r.Email != "" && n.cfg.Email.Host != "" && !planned[key] {
				planned[key] = true
				out = append(out, delivery{key: key, notice: nt, email: r.Email, subject: subject, link: link})
			}
			if key := base + "/chat/" + r.Chat; r.Chat != "" && !planned[key] {
				planned[key] = true
				out = append(out, delivery{key: key, notice: nt, room: r.Chat, subject: subject, link: link})
			}
		}
		dept, who, _ := strings.Cut(nt.To, "/")
		agents := n.addressed(dept, who)
		for _, agent := range agents { // every addressee's console shows it
			out = append(out, delivery{key: base + "/console/" + agent, notice: nt, agent: agent, at: now.UTC().Add(time.Duration(i))})
		}
		if who == "" { // the whole department: its own address and room
			if r, ok := n.cfg.Departments[dept]; ok {
				add(r, false)
			}
			continue
		}
		for _, agent := range agents {
			if r, ok := n.cfg.People[agent]; ok {
				add(r, true)
			}
		}
	}
	return out
}

// addressed are the agents dept/who names: an agent (of any department: a
// lead up the chain or the centre of excellence may hold the case),
// everyone of the department with that role, or (who empty) everyone of
// the department.
func (n *Notifier) addressed(dept, who string) []string {
	var out []string
	for _, a := range n.agents {
		if a.ID == who || (slices.Contains(a.Departments, dept) && (who == "" || slices.Contains(a.Roles, who))) {
			out = append(out, a.ID)
		}
	}
	return out
}

// caseLink is the case's (or the incident's) page in the console, or ""
// without a console URL.
func (n *Notifier) caseLink(caseID string) string {
	if n.cfg.ConsoleURL == "" {
		return ""
	}
	parts := strings.Split(caseID, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	page := "/case/"
	if parts[0] == "incident" { // an incident's notice links to its page
		page = "/incident/"
	}
	return strings.TrimRight(n.cfg.ConsoleURL, "/") + page + strings.Join(parts, "/")
}

func (n *Notifier) send(ctx context.Context, d delivery) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	switch {
	case d.agent != "": // under the delivery's own key: a retry writes the same record
		return n.sent.Put(ctx, inAppTable(d.agent), d.key, InApp{CaseID: d.notice.CaseID, Kind: d.notice.Kind, Text: d.notice.Text, At: d.at},
			d.at.Add(keepInApp))
	case d.email != "":
		return n.mail(ctx, d)
	case d.room != "":
		return n.chat(ctx, d)
	}
	if err := n.file.Append(d.notice); err != nil {
		return fmt.Errorf("write notification: %w", err)
	}
	n.log.Info("notice", zap.String("case_id", d.notice.CaseID), zap.String("to", d.notice.To),
		zap.String("kind", string(d.notice.Kind)), zap.String("text", d.notice.Text))
	return nil
}

func (n *Notifier) mail(ctx context.Context, d delivery) error {
	e := n.cfg.Email
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return fmt.Errorf("notify: from %q: %w", e.From, err)
	}
	if err := m.To(d.email); err != nil {
		return fmt.Errorf("notify: to %q: %w", d.email, err)
	}
	m.Subject(d.subject)
	body := d.notice.Text
	if d.link != "" {
		body += "\n\nOpen the case: " + d.link
	}
	m.SetBodyString(mail.TypeTextPlain, body+"\n")
	opts := []mail.Option{mail.WithPort(e.Port), mail.WithTimeout(sendTimeout)}
	switch e.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(e.Username), mail.WithPassword(e.Password))
	}
	c, err := mail.NewClient(e.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: mail client for %s: %w", e.Host, err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("notify: mail to %s via %s: %w", d.email, e.Host, err)
	}
	return nil
}

func (n *Notifier) chat(ctx context.Context, d delivery) error {
	room, ok := n.cfg.Chat[d.room]
	if !ok {
		return fmt.Errorf("notify: no chat room %q", d.room) // Validate refused it
	}
	body, err := json.Marshal(payload(room.Format, d))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, room.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: chat %s: %w", d.room, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return fmt.Errorf("notify: chat %s: %w", d.room, err)
	}
	defer func() { _ = resp.Body.Close() }() // nothing to read
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify: chat %s answered HTTP %d", d.room, resp.StatusCode)
	}
	return nil
}

// payload is the webhook's JSON in the room's format.
func payload(format string, d delivery) any {
	if format == config.ChatTeams {
		// A card's text is Markdown: the notice's own marks stay text.
		md := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
			"!", `\!`, "#", `\#`, "`", "\\`", "<", "&lt;", ">", "&gt;")
		card := map[string]any{"@type": "MessageCard", "@context": "https://schema.org/extensions",
			"summary": d.subject, "title": md.Replace(d.subject), "text": md.Replace(d.notice.Text)}
		if d.link != "" {
			card["potentialAction"] = []any{map[string]any{"@type": "OpenUri", "name": "Open the case",
				"targets": []any{map[string]string{"os": "default", "uri": d.link}}}}
		}
		return card
	}
	// Slack reads <, > and & as its markup: the notice's own are escaped.
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	text := "*" + esc.Replace(d.subject) + "*\n" + esc.Replace(d.notice.Text)
	if d.link != "" {
		text += "\n<" + d.link + "|Open the case>"
	}
	return map[string]string{"text": text}
}
