package notify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/casestate"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/notify/notifytest"
)

// setup is a notifier for the demo brand with sue (support's lead) on
// e-mail and a Slack room, and support's own Teams room.
func setup(t *testing.T, box *notifytest.Mailbox, slack, teams *notifytest.ChatRoom, sue config.Recipient) (*Notifier, string) {
	t.Helper()
	return setupPeople(t, box, slack, teams, map[string]config.Recipient{"sue": sue})
}

// setupPeople is setup with people's choices of its own.
func setupPeople(t *testing.T, box *notifytest.Mailbox, slack, teams *notifytest.ChatRoom, people map[string]config.Recipient) (*Notifier, string) {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notifications = config.Notifications{
		ConsoleURL: "https://care.acme.example",
		Email:      config.Email{Host: "127.0.0.1", Port: box.Port(), From: "switchboard@acme.example", TLS: "none"},
		Chat: map[string]config.ChatRoom{
			"leads":   {URL: slack.URL(), Format: config.ChatSlack},
			"support": {URL: teams.URL(), Format: config.ChatTeams},
		},
		People:      people,
		Departments: map[string]config.Recipient{"support": {Chat: "support", Kinds: []string{"handed_over", "breach"}}},
	}
	agents := map[string]bool{}
	for id := range people {
		agents[id] = true
	}
	if err := cfg.Notifications.Validate(agents, cfg.Policy.DepartmentIDs()); err != nil {
		t.Fatal(err)
	}
	store, err := kv.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	file := filepath.Join(t.TempDir(), "notifications.jsonl")
	n, err := New(cfg, file, store, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return n, file
}

var notices = []casestate.Notice{
	{CaseID: "case/x/1", To: "support/lead", Kind: casestate.NoticeEscalated, Text: "escalated to you (level 1): SLA breached"},
	{CaseID: "case/x/2", To: "support", Kind: casestate.NoticeHandedOver, Text: "handed over from marketing: a complaint <not praise>"},
	{CaseID: "case/x/3", To: "support/sam", Kind: casestate.NoticeAssigned, Text: "assigned to you: my router"},
}

// A lead's escalation reaches her by e-mail and in her room, the
// department's handoff its room, each with the case's link, each once
// however often the batch is retried; sam chose nothing and gets nothing.
func TestNoticesReachPeopleWhereTheyChoseOnce(t *testing.T) {
	box, slack, teams := notifytest.StartMailbox(t), notifytest.StartChatRoom(t, 0), notifytest.StartChatRoom(t, 0)
	n, file := setup(t, box, slack, teams, config.Recipient{Email: "sue@acme.example", Chat: "leads"})
	for range 3 { // the activity's retries
		if err := n.Deliver(context.Background(), "run-1/7", notices); err != nil {
			t.Fatal(err)
		}
	}
	mails := box.Mails()
	if len(mails) != 1 || mails[0].To != "sue@acme.example" || mails[0].From != "switchboard@acme.example" ||
		!strings.Contains(mails[0].Data, "Subject: [switchboard] escalated: case/x/1") ||
		!strings.Contains(mails[0].Data, "https://care.acme.example/case/case/x/1") {
		t.Fatalf("mails %+v", mails)
	}
	lead := slack.Payloads()
	if len(lead) != 1 || !strings.Contains(lead[0]["text"].(string), "<https://care.acme.example/case/case/x/1|Open the case>") {
		t.Fatalf("the leads' room got %+v", lead)
	}
	room := teams.Payloads()
	if len(room) != 1 || room[0]["@type"] != "MessageCard" || room[0]["text"] != "handed over from marketing: a complaint &lt;not praise&gt;" { // a card's Markdown is escaped
		t.Fatalf("support's room got %+v", room)
	}
	action := room[0]["potentialAction"].([]any)[0].(map[string]any)
	if uri := action["targets"].([]any)[0].(map[string]any)["uri"]; uri != "https://care.acme.example/case/case/x/2" {
		t.Fatalf("support's card links %v", uri)
	}
	// Each addressee's console lists the notices to them, once: sue her
	// escalation and the department's handoff, sam his assignment and it.
	for agent, want := range map[string][]casestate.NoticeKind{
		"sue": {casestate.NoticeHandedOver, casestate.NoticeEscalated},
		"sam": {casestate.NoticeAssigned, casestate.NoticeHandedOver},
	} {
		listed, err := Latest(context.Background(), n.sent, agent, 10)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []casestate.NoticeKind
		for _, l := range listed {
			kinds = append(kinds, l.Kind)
		}
		if !slices.Equal(kinds, want) {
			t.Errorf("%s's console lists %v, want %v (newest first)", agent, kinds, want)
		}
	}
	lines, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "\n"); n != len(notices) {
		t.Fatalf("the notifications file has %d lines, want one per notice (%d)", n, len(notices))
	}
}

// A room that is down fails the batch (the activity retries it with
// backoff) without holding back the e-mail; the retry delivers only what
// is missing.
func TestARetryDeliversOnlyWhatIsMissing(t *testing.T) {
	box, slack, teams := notifytest.StartMailbox(t), notifytest.StartChatRoom(t, 2), notifytest.StartChatRoom(t, 0)
	n, _ := setup(t, box, slack, teams, config.Recipient{Email: "sue@acme.example", Chat: "leads"})
	for attempt := 1; attempt <= 2; attempt++ {
		if err := n.Deliver(context.Background(), "run-1/7", notices[:1]); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("attempt %d with the room down: %v", attempt, err)
		}
	}
	if got := len(box.Mails()); got != 1 {
		t.Fatalf("%d mails while the room was down, want 1", got)
	}
	if err := n.Deliver(context.Background(), "run-1/7", notices[:1]); err != nil {
		t.Fatal(err)
	}
	if m, c := len(box.Mails()), len(slack.Payloads()); m != 1 || c != 1 {
		t.Fatalf("after the room came back: %d mails, %d chat messages; want 1 and 1", m, c)
	}
}

// Quiet hours keep e-mail and chat from a person, not from the
// department's room; kinds a person did not choose never reach them.
func TestQuietHoursAndKinds(t *testing.T) {
	london := config.QuietHours{From: "22:00", To: "07:00", TimeZone: "Europe/London"}
	for _, tc := range []struct {
		name        string
		sue         config.Recipient
		at          time.Time
		mails, lead int
	}{
		{"awake", config.Recipient{Email: "sue@acme.example", Chat: "leads", QuietHours: &london}, time.Date(2015, 11, 18, 15, 0, 0, 0, time.UTC), 1, 1},
		{"asleep", config.Recipient{Email: "sue@acme.example", Chat: "leads", QuietHours: &london}, time.Date(2015, 11, 18, 23, 30, 0, 0, time.UTC), 0, 0},
		{"just before waking", config.Recipient{Email: "sue@acme.example", QuietHours: &london}, time.Date(2015, 11, 19, 6, 59, 0, 0, time.UTC), 0, 0},
		{"breaches only", config.Recipient{Email: "sue@acme.example", Kinds: []string{"breach"}}, time.Date(2015, 11, 18, 15, 0, 0, 0, time.UTC), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			box, slack, teams := notifytest.StartMailbox(t), notifytest.StartChatRoom(t, 0), notifytest.StartChatRoom(t, 0)
			n, _ := setup(t, box, slack, teams, tc.sue)
			n.now = func() time.Time { return tc.at }
			if err := n.Deliver(context.Background(), "run-"+strconv.Itoa(tc.at.Hour()), notices); err != nil {
				t.Fatal(err)
			}
			if m, c, r := len(box.Mails()), len(slack.Payloads()), len(teams.Payloads()); m != tc.mails || c != tc.lead || r != 1 {
				t.Fatalf("%d mails, %d to the leads' room, %d to support's; want %d, %d, 1", m, c, r, tc.mails, tc.lead)
			}
		})
	}
}

// A mail server that is down fails its delivery within the send timeout,
// and every other one is still made.
func TestAMailServerDownHoldsBackNothingElse(t *testing.T) {
	box, slack, teams := notifytest.StartMailbox(t), notifytest.StartChatRoom(t, 0), notifytest.StartChatRoom(t, 0)
	n, _ := setup(t, box, slack, teams, config.Recipient{Email: "sue@acme.example", Chat: "leads"})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.cfg.Email.Port = closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close() // nothing listens there now
	if err := n.Deliver(context.Background(), "run-1/7", notices); err == nil || !strings.Contains(err.Error(), "mail to sue@acme.example") {
		t.Fatalf("with the mail server down: %v", err)
	}
	if c, r := len(slack.Payloads()), len(teams.Payloads()); c != 1 || r != 1 {
		t.Fatalf("the rooms got %d and %d while mail was down, want 1 and 1", c, r)
	}
}

// A room or an address several addressees share gets a notice once.
func TestASharedRoomGetsANoticeOnce(t *testing.T) {
	box, slack, teams := notifytest.StartMailbox(t), notifytest.StartChatRoom(t, 0), notifytest.StartChatRoom(t, 0)
	both := config.Recipient{Email: "support-agents@acme.example", Chat: "leads"}
	n, _ := setupPeople(t, box, slack, teams, map[string]config.Recipient{"sam": both, "sofia": both, "sid": both})
	toAgents := []casestate.Notice{{CaseID: "case/x/9", To: "support/agent", Kind: casestate.NoticeBreach, Text: "SLA breached"}}
	if err := n.Deliver(context.Background(), "run-9/1", toAgents); err != nil {
		t.Fatal(err)
	}
	if m, c := len(box.Mails()), len(slack.Payloads()); m != 1 || c != 1 {
		t.Fatalf("%d mails and %d chat messages for three agents sharing both, want 1 and 1", m, c)
	}
}
