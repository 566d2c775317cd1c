package jsonl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type rec struct {
	N int `json:"n"`
}

func readAll(t *testing.T, path string, max int) ([]int, []Skipped) {
	t.Helper()
	var got []int
	skipped, err := Read(path, max, func(line []byte) error {
		var r rec
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		got = append(got, r.N)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, skipped
}

// A crash mid-append tears the last line; the next open must neither fail
// nor glue the next record onto the fragment.
func TestTornLastLineIsSkippedAndEndedBeforeTheNextRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.jsonl")
	if err := os.WriteFile(path, []byte("{\"n\":1}\n{\"n\":2}\n{\"n\":"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, skipped := readAll(t, path, 1024)
	if len(got) != 2 || len(skipped) != 1 || skipped[0].Line != 3 {
		t.Fatalf("got %v, skipped %v", got, skipped)
	}
	f, err := OpenAppend(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Append(rec{N: 3}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, skipped = readAll(t, path, 1024)
	if len(got) != 3 || got[2] != 3 || len(skipped) != 1 {
		t.Fatalf("after append: got %v, skipped %v", got, skipped)
	}
}

func TestOverLongLineIsSkippedNotFatal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.jsonl")
	long := `{"n":9,"pad":"` + strings.Repeat("x", 300_000) + `"}`
	if err := os.WriteFile(path, []byte("{\"n\":1}\n"+long+"\n{\"n\":2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, skipped := readAll(t, path, 64<<10)
	if len(got) != 2 || got[1] != 2 || len(skipped) != 1 || skipped[0].Line != 2 || !strings.Contains(skipped[0].Reason, "longer than") {
		t.Fatalf("got %v, skipped %v", got, skipped)
	}
}

func TestMissingFileReadsEmpty(t *testing.T) {
	got, skipped := readAll(t, filepath.Join(t.TempDir(), "none.jsonl"), 10)
	if len(got) != 0 || len(skipped) != 0 {
		t.Fatal(got, skipped)
	}
}

// Text is written as it came: HTML escaping would grow a line of '<' six
// times, past the reader's bound.
func TestAppendKeepsTextAsItIs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.jsonl")
	f, err := OpenAppend(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Append(map[string]string{"t": strings.Repeat("<", 1000)}, map[string]string{"t": "&"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, _ := os.ReadFile(path)
	if len(data) > 1100 || strings.Count(string(data), "\n") != 2 {
		t.Fatalf("%d bytes, %d lines", len(data), strings.Count(string(data), "\n"))
	}
}
