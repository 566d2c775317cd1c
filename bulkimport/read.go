// Package bulkimport imports customer posts in bulk: canonical JSON lines, or
// the CSV of the public "customer support on Twitter" data set. Reading and
// mapping are pure and report each bad line by number; Run submits what
// they yield at a bounded rate, keeps a checkpoint so an interrupted import
// resumes where it stopped, and sums up what happened.
package bulkimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/jsonl"
	"github.com/switchboard-care/switchboard/post"
)

// Format names an input format.
type Format string

// The formats an import reads.
const (
	// JSONL is one canonical post (docs/intake.md) per line.
	JSONL Format = "jsonl"
	// TwitterCSV is the "customer support on Twitter" data set's twcs.csv:
	// tweet_id,author_id,inbound,created_at,text,response_tweet_id,
	// in_response_to_tweet_id. Only inbound rows are customer posts.
	TwitterCSV Format = "twcs"
)

// TwitterCSVHeader is the data set's header row.
var TwitterCSVHeader = []string{"tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"}

// MaxLineBytes bounds one JSON line (a post's text is at most 64 KiB, and
// escaping can double it).
const MaxLineBytes = 1 << 20

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "jsonl", "ndjson", "json":
		return JSONL, nil
	case "twcs", "csv", "twitter-csv":
		return TwitterCSV, nil
	}
	return "", fmt.Errorf("format %q: use jsonl (canonical posts) or twcs (the Twitter support CSV)", s)
}

// DetectFormat picks the format from a file name and its first bytes.
func DetectFormat(name string, head []byte) (Format, error) {
	head = bytes.TrimLeft(head, "\ufeff \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("{")):
		return JSONL, nil
	case bytes.HasPrefix(head, []byte(strings.Join(TwitterCSVHeader[:3], ","))):
		return TwitterCSV, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	case ".csv":
		return TwitterCSV, nil
	}
	return "", fmt.Errorf("cannot tell the format of %s: give --format jsonl or twcs", name)
}

// Record is one unit of input: a customer post, a line that is not one
// (Skip, e.g. the company's own answer), or a line rejected with a reason.
type Record struct {
	Line   int // where the record starts, from 1
	Post   post.Post
	Skip   bool
	Reason string // why the line was rejected; empty if it was not
	// Link is set on a skipped company answer: the post it answers, so a
	// customer's reply to the answer joins the customer's case.
	Link *intake.Link
}

// Reader yields records one by one; io.EOF ends the input.
type Reader interface {
	Next() (Record, error)
}

// NewReader reads format from r.
func NewReader(r io.Reader, format Format, opts MapOptions) (Reader, error) {
	switch format {
	case JSONL:
		return &jsonlReader{r: bufio.NewReaderSize(r, 64<<10)}, nil
	case TwitterCSV:
		return newCSVReader(r, opts)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// MapOptions steer mapping of the CSV, whose rows name no company account.
type MapOptions struct {
	// Property is the company account every customer post addresses
	// ("@acme_help"); empty takes the first @mention in the text.
	Property string
}

type jsonlReader struct {
	r    *bufio.Reader
	line int
}

func (j *jsonlReader) Next() (Record, error) {
	for {
		raw, tooLong, err := jsonl.ReadLine(j.r, MaxLineBytes)
		if len(raw) == 0 && !tooLong && err != nil {
			return Record{}, err
		}
		j.line++
		rec := Record{Line: j.line}
		if tooLong {
			rec.Reason = fmt.Sprintf("line longer than %d bytes", MaxLineBytes)
			return rec, nil
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			if err != nil {
				return Record{}, err
			}
			continue // blank lines are layout, not records
		}
		return parseJSONLine(rec, raw), nil
	}
}

// parseJSONLine maps one line onto a post, or a reason it cannot be one.
func parseJSONLine(rec Record, raw []byte) Record {
	if raw[0] != '{' {
		rec.Reason = "not a JSON object"
		return rec
	}
	posts, err := intake.ParseCanonical(raw)
	if err != nil {
		rec.Reason = strings.TrimPrefix(err.Error(), "bad payload: ")
		return rec
	}
	p := posts[0]
	if err := p.Validate(); err != nil {
		rec.Reason = oneLine(err)
		return rec
	}
	rec.Post = p
	return rec
}

type csvReader struct {
	r    *csv.Reader
	col  map[string]int
	opts MapOptions
}

func newCSVReader(r io.Reader, opts MapOptions) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per row, so one bad row is one rejection
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty CSV: expected the header " + strings.Join(TwitterCSVHeader, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, h := range TwitterCSVHeader {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("CSV header lacks column %q (want %s)", h, strings.Join(TwitterCSVHeader, ","))
		}
	}
	return &csvReader{r: cr, col: col, opts: opts}, nil
}

func (c *csvReader) Next() (Record, error) {
	row, err := c.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Record{Line: pe.StartLine, Reason: "CSV: " + pe.Err.Error()}, nil
	}
	if err != nil {
		return Record{}, err
	}
	line, _ := c.r.FieldPos(0) // only valid after a successful read
	return mapTwitterRow(Record{Line: line}, row, c.col, c.opts), nil
}

var mention = regexp.MustCompile(`(?:^|[^\w@])(@\w{1,15})`)

// mapTwitterRow maps one data row. Rows from companies (inbound False) are
// skipped, but they link the answer to the post it answers.
func mapTwitterRow(rec Record, row []string, col map[string]int, opts MapOptions) Record {
	if len(row) != len(col) {
		rec.Reason = fmt.Sprintf("%d fields, want %d", len(row), len(col))
		return rec
	}
	get := func(name string) string { return strings.TrimSpace(row[col[name]]) }
	id := get("tweet_id")
	if !isDigits(id) {
		rec.Reason = fmt.Sprintf("tweet_id %q is not a number", id)
		return rec
	}
	replyTo, err := tweetRef(get("in_response_to_tweet_id"))
	if err != nil {
		rec.Reason = "in_response_to_tweet_id: " + err.Error()
		return rec
	}
	inbound, err := strconv.ParseBool(get("inbound"))
	if err != nil {
		rec.Reason = fmt.Sprintf("inbound %q is not True or False", get("inbound"))
		return rec
	}
	if !inbound {
		rec.Skip = true
		if replyTo != "" {
			rec.Link = &intake.Link{Platform: "x", ID: id, Parent: replyTo}
		}
		return rec
	}
	created, err := time.Parse(time.RubyDate, get("created_at"))
	if err != nil {
		rec.Reason = fmt.Sprintf("created_at %q is not like \"Tue Oct 31 22:10:47 +0000 2017\"", get("created_at"))
		return rec
	}
	// The data set kept the v1.1 API's HTML escaping of &, < and >.
	text := html.UnescapeString(row[col["text"]])
	property := opts.Property
	if property == "" {
		if m := mention.FindStringSubmatch(text); m != nil {
			property = m[1]
		} else {
			rec.Reason = "the text mentions no account: give the property it was sent to"
			return rec
		}
	}
	p := post.Post{
		ID: id, Platform: "x", Property: property,
		Author:    post.Author{ID: get("author_id")},
		Text:      text,
		CreatedAt: created.UTC(), InReplyTo: replyTo,
	}
	if err := p.Validate(); err != nil {
		rec.Reason = oneLine(err)
		return rec
	}
	rec.Post = p
	return rec
}

// tweetRef reads a tweet id the data set may spell as a float ("8.0"),
// because a column with blanks went through pandas.
func tweetRef(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	if !isDigits(s) {
		return "", fmt.Errorf("%q is not a tweet id", s)
	}
	return s, nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
