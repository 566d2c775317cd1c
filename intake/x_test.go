package intake

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/post"
)

func TestParseXTweets(t *testing.T) {
	b, err := ParseX(fixture(t, "x_tweet_create.json"), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []post.Post{{
		ID: "1860000000000000101", Platform: "x", Property: "@acme_help",
		Author: post.Author{ID: "3141592653", Handle: "@janedoe", Name: "Jane Doe", Followers: 1204},
		// the full text of a long post, with X's HTML entities decoded
		Text:      "@acme_help my router keeps dropping the connection every 20 minutes & support chat is down. Any ideas? I've restarted it twice <3 no luck",
		CreatedAt: at("2026-11-22T10:00:00Z"),
		URL:       "https://x.com/janedoe/status/1860000000000000101",
	}}
	if !reflect.DeepEqual(b.Posts, want) {
		t.Fatalf("posts\n got %+v\nwant %+v", b.Posts, want)
	}
	if len(b.Ignored) != 2 || !strings.Contains(b.Ignored[0].Reason, "own post") || !strings.Contains(b.Ignored[1].Reason, "repost") {
		t.Fatalf("ignored %+v", b.Ignored)
	}
	if want := []Link{{Platform: "x", ID: "1860000000000000102", Parent: "1860000000000000101"}}; !reflect.DeepEqual(b.Links, want) {
		t.Fatalf("the company's reply links to the post it answers: %+v", b.Links)
	}
}

func TestParseXDirectMessages(t *testing.T) {
	b, err := ParseX(fixture(t, "x_dm.json"), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []post.Post{{
		ID: "1860000000000000555", Platform: "x", Property: "@acme_help",
		Author:    post.Author{ID: "3141592653", Handle: "@janedoe", Name: "Jane Doe", Followers: 1204},
		Text:      "Hi, it's jane.doe@example.com, the account with the router problem",
		CreatedAt: at("2026-11-22T10:06:40Z"), Private: true,
	}}
	if !reflect.DeepEqual(b.Posts, want) {
		t.Fatalf("posts\n got %+v\nwant %+v", b.Posts, want)
	}
	if len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "own message") {
		t.Fatalf("ignored %+v", b.Ignored)
	}
}

func TestParseXDeletesAndEdits(t *testing.T) {
	b, err := ParseX(fixture(t, "x_delete_edit.json"), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 {
		t.Fatalf("an edited post belongs to the original's case: %+v", b.Posts)
	}
	want := []Edit{
		{Kind: Edited, Platform: "x", Property: "@acme_help", PostID: "1860000000000000101", AuthorID: "3141592653",
			Text: "@acme_help my router keeps dropping the connection every 20 minutes. Model AX-3000.", At: at("2026-11-22T10:12:00Z")},
		{Kind: Deleted, Platform: "x", Property: "@acme_help", PostID: "1860000000000000104", AuthorID: "3141592653", At: at("2026-11-22T10:10:00Z")},
	}
	if !reflect.DeepEqual(b.Edits, want) {
		t.Fatalf("edits\n got %+v\nwant %+v", b.Edits, want)
	}
}

func TestParseXLikesAreAcknowledged(t *testing.T) {
	b, err := ParseX(fixture(t, "x_favorite.json"), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts)+len(b.Edits) != 0 || len(b.Ignored) != 1 || b.Ignored[0].Kind != "favorite_events" {
		t.Fatalf("%+v", b)
	}
}

func TestParseXOtherAccount(t *testing.T) {
	body := strings.ReplaceAll(string(fixture(t, "x_tweet_create.json")), `"for_user_id": "`+xHelp, `"for_user_id": "42`)
	b, err := ParseX([]byte(body), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 0 || len(b.Ignored) != 1 {
		t.Fatalf("an unconfigured subscription is ignored: %+v", b)
	}
	// The press account maps to its own property.
	body = strings.ReplaceAll(string(fixture(t, "x_tweet_create.json")), `"for_user_id": "`+xHelp, `"for_user_id": "`+xNews)
	b, err = ParseX([]byte(body), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	// @acme_help's reply is still the company's own, seen from @acme_news.
	if len(b.Posts) != 1 || b.Posts[0].Property != "@acme_news" || len(b.Links) != 1 {
		t.Fatalf("%+v", b)
	}
}

// One malformed event fails alone, with a payload holding it alone.
func TestParseXMalformedEventsFailAlone(t *testing.T) {
	good := `{"id_str":"1860000000000000900","text":"@acme_help my parcel is lost","user":{"id_str":"42","screen_name":"kim"},"timestamp_ms":"1795341600000"}`
	for name, events := range map[string]string{
		"bad created_at":     `"tweet_create_events":[{"id_str":"1","created_at":"last week"},` + good + `]`,
		"text not string":    `"tweet_create_events":[{"id_str":"2","text":["x"],"user":{"id_str":"43"}},` + good + `]`,
		"deletes not a list": `"tweet_create_events":[` + good + `],"tweet_delete_events":{"status":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			accounts := xAccounts(t)
			b, err := ParseX([]byte(`{"for_user_id":"1500000000000000001",`+events+`}`), accounts)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Posts) != 1 || len(b.Failed) != 1 {
				t.Fatalf("posts %+v, failed %+v", b.Posts, b.Failed)
			}
			again, err := ParseX(b.Failed[0].Payload, accounts)
			if err != nil || len(again.Failed) != 1 || len(again.Posts) != 0 {
				t.Fatalf("the failure's payload holds it alone: %+v %v", again, err)
			}
		})
	}
	// A users map that does not decode costs DM senders their names only.
	b, err := ParseX([]byte(`{"for_user_id":"1500000000000000001","direct_message_events":[{"type":"message_create","id":"9","created_timestamp":"1795341600000","message_create":{"sender_id":"77","message_data":{"text":"hi"}}}],"users":[]}`), xAccounts(t))
	if err != nil || len(b.Posts) != 1 || b.Posts[0].Author.ID != "77" {
		t.Fatalf("%+v %v", b, err)
	}
}

func TestParseXRefusals(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `{"for_user_id":"1500000000000000001","tweet_create_events":[`,
		"no for_user_id":  `{"tweet_create_events":[]}`,
		"numeric user id": `{"for_user_id":1500000000000000001,"tweet_create_events":[]}`,
		"unknown object":  `{"for_user_id":"1500000000000000001","space_events":[{}]}`,
		"only context":    `{"for_user_id":"1500000000000000001","users":{}}`,
		"array":           `[{"for_user_id":"1500000000000000001"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseX([]byte(body), xAccounts(t))
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PayloadError, got %v", err)
			}
		})
	}
}

func TestParseXDirectMessageWithoutUsersMap(t *testing.T) {
	body := `{"for_user_id":"1500000000000000001","direct_message_events":[
		{"type":"message_create","id":"9","created_timestamp":"1795342000000","message_create":{"sender_id":"77","message_data":{"text":"","attachment":{"type":"media","media":{"id_str":"5"}}}}},
		{"type":"message_delete","id":"10"}]}`
	b, err := ParseX([]byte(body), xAccounts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Posts) != 1 || b.Posts[0].Author.ID != "77" || b.Posts[0].Text != "[media attached]" {
		t.Fatalf("%+v", b.Posts)
	}
	if len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "message_delete") {
		t.Fatalf("%+v", b.Ignored)
	}
}
