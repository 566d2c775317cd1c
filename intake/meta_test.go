package intake

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/post"
)

func TestParseMetaFeedComments(t *testing.T) {
	b, err := ParseMeta(fixture(t, "meta_feed_comment.json"), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []post.Post{
		{
			ID: "880011223344_5566778899001", Platform: "facebook", Property: "acme",
			Author:    post.Author{ID: "6712345678901234", Name: "Jane Doe"},
			Text:      "My blender from the Black Friday sale arrived cracked. Who do I talk to?",
			CreatedAt: at("2026-11-22T10:00:00Z"),
			InReplyTo: "104857600000001_880011223344", ThreadID: "104857600000001_880011223344",
			URL: "https://www.facebook.com/acme/posts/pfbid02Xk9mWqZtR?comment_id=5566778899001",
		},
		{
			ID: "880011223344_5566778899003", Platform: "facebook", Property: "acme",
			Author:    post.Author{ID: "6712345678901234", Name: "Jane Doe"},
			Text:      "Thanks, replied there.",
			CreatedAt: at("2026-11-22T10:04:31Z"),
			// a reply's thread is the top-level comment, so it joins that case
			InReplyTo: "880011223344_5566778899001", ThreadID: "880011223344_5566778899001",
		},
	}
	if !reflect.DeepEqual(b.Posts, want) {
		t.Fatalf("posts\n got %+v\nwant %+v", b.Posts, want)
	}
	if len(b.Ignored) != 2 || b.Ignored[0].Kind != "feed reaction" || !strings.Contains(b.Ignored[1].Reason, "own") {
		t.Fatalf("ignored %+v", b.Ignored)
	}
	// the page's own reply is linked to the comment it answers
	if want := []Link{{Platform: "facebook", ID: "880011223344_5566778899002", Parent: "880011223344_5566778899001"}}; !reflect.DeepEqual(b.Links, want) {
		t.Fatalf("links %+v", b.Links)
	}
}

func TestParseMetaEditsAndRemovals(t *testing.T) {
	b, err := ParseMeta(fixture(t, "meta_feed_edit_remove.json"), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 {
		t.Fatalf("an edit is not a new post: %+v", b.Posts)
	}
	want := []Edit{
		{Kind: Edited, Platform: "facebook", Property: "acme", PostID: "880011223344_5566778899001", AuthorID: "6712345678901234",
			Text: "My blender from the Black Friday sale arrived cracked (order A-1029). Who do I talk to?", At: at("2026-11-22T10:06:30Z")},
		{Kind: Deleted, Platform: "facebook", Property: "acme", PostID: "880011223344_5566778899003", AuthorID: "6712345678901234",
			At: at("2026-11-22T10:06:40Z")},
	}
	if !reflect.DeepEqual(b.Edits, want) {
		t.Fatalf("edits\n got %+v\nwant %+v", b.Edits, want)
	}
	if len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "hide") {
		t.Fatalf("hiding is the page's moderation, not an edit: %+v", b.Ignored)
	}
}

func TestParseMetaMessenger(t *testing.T) {
	b, err := ParseMeta(fixture(t, "meta_messenger.json"), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []post.Post{
		{
			ID: "m_Zx1cV2bN3mQ4wE5rT6yU7iO8pA9sD0fGhJkLzXcVbNm", Platform: "facebook", Property: "acme",
			Author:    post.Author{ID: "24681357924680135"},
			Text:      "Hi, I was charged twice for order A-1029 on my card. Can you refund one?",
			CreatedAt: at("2026-11-22T10:00:00.321Z"), Private: true,
		},
		{
			ID: "m_Photo9zY8xW7vU6tS5rQ4pO3nM2lK1jI", Platform: "facebook", Property: "acme",
			Author: post.Author{ID: "24681357924680135"}, Text: "[image attached]",
			CreatedAt: at("2026-11-22T10:01:20Z"), Private: true,
		},
	}
	if !reflect.DeepEqual(b.Posts, want) {
		t.Fatalf("posts\n got %+v\nwant %+v", b.Posts, want)
	}
	if len(b.Edits) != 1 || b.Edits[0].Kind != Edited || b.Edits[0].PostID != want[0].ID || !strings.Contains(b.Edits[0].Text, "one of them") {
		t.Fatalf("edits %+v", b.Edits)
	}
	kinds := []string{}
	for _, ig := range b.Ignored {
		kinds = append(kinds, ig.Reason)
	}
	if len(b.Ignored) != 2 || !strings.Contains(kinds[0], "own message") || !strings.Contains(kinds[1], "not a message") {
		t.Fatalf("the echo and the read receipt are ignored: %q", kinds)
	}
}

func TestParseMetaInstagram(t *testing.T) {
	b, err := ParseMeta(fixture(t, "meta_instagram.json"), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []post.Post{
		{
			ID: "17860000000000101", Platform: "instagram", Property: "acme",
			Author:    post.Author{ID: "17850000000000042", Handle: "@maria.runs"},
			Text:      "Love the new trainers but the left one squeaks 😅 is that normal?",
			CreatedAt: at("2026-11-22T10:00:00Z"), InReplyTo: "17900000000000777", ThreadID: "17900000000000777",
		},
		{
			ID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw", Platform: "instagram", Property: "acme",
			Author: post.Author{ID: "1122334455667788"}, Text: "DMing as asked - order A-2044, left shoe squeaks",
			CreatedAt: at("2026-11-22T10:01:40Z"), Private: true,
		},
	}
	if !reflect.DeepEqual(b.Posts, want) {
		t.Fatalf("posts\n got %+v\nwant %+v", b.Posts, want)
	}
	if len(b.Edits) != 1 || b.Edits[0].Kind != Deleted || b.Edits[0].PostID != "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAx" {
		t.Fatalf("an unsent message is a deletion: %+v", b.Edits)
	}
	if len(b.Links) != 1 || b.Links[0].Parent != "17860000000000101" {
		t.Fatalf("the account's own reply links to the comment: %+v", b.Links)
	}
}

func TestParseMetaRefusals(t *testing.T) {
	for name, body := range map[string]string{
		"not json":         `{"object":"page","entry":[`,
		"not an object":    `["page"]`,
		"empty":            ``,
		"unknown object":   `{"object":"whatsapp_business_account","entry":[]}`,
		"no object":        `{"entry":[]}`,
		"no entry":         `{"object":"page"}`,
		"entry not a list": `{"object":"page","entry":{"id":"1"}}`,
		"trailing data":    `{"object":"page","entry":[]} {"object":"page","entry":[]}`,
		"trailing brace":   `{"object":"page","entry":[]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMeta([]byte(body), metaAccounts(t))
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PayloadError, got %v", err)
			}
		})
	}
}

// One malformed event fails alone: the valid comment beside it is kept, and
// each failure carries a payload holding it alone, to replay once fixed.
func TestParseMetaMalformedEventsFailAlone(t *testing.T) {
	good := `{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"77_1","post_id":"77","from":{"id":"55","name":"Lee"},"message":"my order never came","created_time":"2026-11-22T10:00:00+0000"}}`
	for name, bad := range map[string]string{
		"value not object":   `"changes":[{"field":"feed","value":"comment"},` + good + `]`,
		"message not text":   `"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"77_2","from":{"id":"56"},"message":123}},` + good + `]`,
		"bad created_time":   `"changes":[{"field":"feed","value":{"item":"comment","created_time":"yesterday"}},` + good + `]`,
		"messaging not list": `"messaging":{},"changes":[` + good + `]`,
		"over-long id":       `"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"` + strings.Repeat("9", 3000) + `","from":{"id":"56"},"message":"hi","created_time":"2026-11-22T10:00:00+0000"}},` + good + `]`,
	} {
		t.Run(name, func(t *testing.T) {
			accounts := metaAccounts(t)
			body := `{"object":"page","entry":[{"id":"` + fbPage + `","time":1795341600,` + bad + `}]}`
			b, err := ParseMeta([]byte(body), accounts)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Posts) != 1 || b.Posts[0].ID != "77_1" || len(b.Failed) != 1 {
				t.Fatalf("posts %+v, failed %+v", b.Posts, b.Failed)
			}
			again, err := ParseMeta(b.Failed[0].Payload, accounts)
			if err != nil || len(again.Failed) != 1 || len(again.Posts) != 0 {
				t.Fatalf("the failure's payload holds it alone: %+v %v", again, err)
			}
		})
	}
}

func TestParseMetaUnknownAccountIsIgnored(t *testing.T) {
	body := strings.ReplaceAll(string(fixture(t, "meta_feed_comment.json")), fbPage, "999999999")
	b, err := ParseMeta([]byte(body), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "configured accounts") {
		t.Fatalf("%+v", b)
	}
	// An Instagram account id under the page object is not the page.
	body = strings.ReplaceAll(string(fixture(t, "meta_feed_comment.json")), fbPage, igAccount)
	if b, _ := ParseMeta([]byte(body), metaAccounts(t)); len(b.Posts) != 0 {
		t.Fatalf("posts from an account of another platform: %+v", b.Posts)
	}
}

func TestParseMetaCommentWithoutAuthor(t *testing.T) {
	// Without the pages_read_user_content permission Graph leaves "from" out.
	body := `{"object":"page","entry":[{"id":"104857600000001","time":1795341600,"changes":[{"field":"feed","value":
		{"message":"hello","post_id":"104857600000001_1","comment_id":"1_2","created_time":1795341600,"item":"comment","parent_id":"104857600000001_1","verb":"add"}}]}]}`
	b, err := ParseMeta([]byte(body), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "no author") {
		t.Fatalf("%+v", b)
	}
}

func TestParseMetaVisitorPostAndPhotoOnlyComment(t *testing.T) {
	body := `{"object":"page","entry":[{"id":"104857600000001","time":1795341600,"changes":[
		{"field":"feed","value":{"from":{"id":"55","name":"Lee"},"message":"Your store in Leeds was closed at 2pm today, the sign says open till 6","post_id":"104857600000001_77","created_time":"2026-11-22T10:00:00+0000","item":"status","verb":"add"}},
		{"field":"feed","value":{"from":{"id":"56","name":"Kim"},"photo":"https://scontent.xx.fbcdn.net/v/broken.jpg","post_id":"104857600000001_77","comment_id":"77_88","created_time":1795341600,"item":"comment","parent_id":"104857600000001_77","verb":"add"}},
		{"field":"feed","value":{"from":{"id":"104857600000001","name":"Acme"},"message":"Winter sale!","post_id":"104857600000001_78","created_time":1795341600,"item":"status","verb":"add"}}
	]}]}`
	b, err := ParseMeta([]byte(body), metaAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 2 {
		t.Fatalf("posts %+v", b.Posts)
	}
	if v := b.Posts[0]; v.ID != "104857600000001_77" || v.InReplyTo != "" || v.CreatedAt != at("2026-11-22T10:00:00Z") {
		t.Fatalf("visitor post %+v", v)
	}
	if c := b.Posts[1]; c.Text != "[photo attached]" || c.ThreadID != "104857600000001_77" {
		t.Fatalf("photo comment %+v", c)
	}
	if len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "own post") {
		t.Fatalf("the page's own post is an echo: %+v", b.Ignored)
	}
}
