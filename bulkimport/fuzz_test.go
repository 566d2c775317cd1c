package bulkimport

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// drain reads every record and checks what any input must give: records
// in line order, each exactly one of post, skip or rejection, posts valid.
// The loop is bounded by the input's size, so a reader that stops making
// progress fails instead of hanging.
func drain(t *testing.T, rd Reader, size int) {
	last := 0
	for i := 0; ; i++ {
		if i > size+2 {
			t.Fatalf("more records than bytes: the reader does not advance")
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			return // an I/O error ends the input; a strings.Reader has none
		}
		if rec.Line <= last {
			t.Fatalf("record at line %d after line %d", rec.Line, last)
		}
		last = rec.Line
		switch {
		case rec.Reason != "":
			if rec.Skip || rec.Post.ID != "" {
				t.Fatalf("rejected and kept: %+v", rec)
			}
		case rec.Skip:
			if rec.Post.ID != "" {
				t.Fatalf("skipped and kept: %+v", rec)
			}
		default:
			if err := rec.Post.Validate(); err != nil {
				t.Fatalf("line %d: invalid post %+v: %v", rec.Line, rec.Post, err)
			}
		}
	}
}

func seedFile(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
}

func FuzzReadJSONLines(f *testing.F) {
	seedFile(f, "posts_sample.jsonl")
	f.Add("\n\n{}\n[]\n{\"id\":1}")
	f.Fuzz(func(t *testing.T, in string) {
		rd, err := NewReader(strings.NewReader(in), JSONL, MapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, rd, len(in))
	})
}

func FuzzReadTwitterCSV(f *testing.F) {
	seedFile(f, "twcs_sample.csv")
	f.Add(strings.Join(TwitterCSVHeader, ",") + "\n1,2,True,Tue Oct 31 22:10:47 +0000 2017,\"a \"\"b\"\" @c\",,3.0\n")
	f.Add(strings.Join(TwitterCSVHeader, ",") + "\n\"unterminated,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		rd, err := NewReader(strings.NewReader(in), TwitterCSV, MapOptions{})
		if err != nil {
			return // no usable header: refused as a whole
		}
		drain(t, rd, len(in))
	})
}
