// Package jsonl reads and appends the JSON-lines files switchboard keeps on
// disk (the thread index, the publish sent-store, the sandbox outbox, the
// intake's dead letters), so that a crash can neither corrupt the records
// already written nor stop the next start.
//
// Every record is appended with one write of the whole line, so a crash
// leaves at most the last line torn; opening for append first ends a torn
// line, so later records start on a line of their own; reading skips (and
// reports) a line that does not decode or is longer than the reader's bound,
// instead of failing.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"go.uber.org/zap"
)

// Skipped is a line Read could not use.
type Skipped struct {
	Line   int
	Reason string
}

func (s Skipped) String() string { return fmt.Sprintf("line %d: %s", s.Line, s.Reason) }

// Read calls decode with every line of the file at path (none if it does not
// exist). A line longer than maxLine bytes is skipped without being held in
// memory; a line decode refuses is skipped too. Both are reported, so the
// caller can say what it left out.
func Read(path string, maxLine int, decode func(line []byte) error) ([]Skipped, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Scan(f, maxLine, decode)
}

// Scan is Read over any reader.
func Scan(r io.Reader, maxLine int, decode func(line []byte) error) ([]Skipped, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var skipped []Skipped
	for n := 1; ; n++ {
		line, tooLong, err := ReadLine(br, maxLine)
		if err != nil && !errors.Is(err, io.EOF) {
			return skipped, err
		}
		switch {
		case tooLong:
			skipped = append(skipped, Skipped{Line: n, Reason: fmt.Sprintf("longer than %d bytes", maxLine)})
		case len(trimNewline(line)) > 0:
			if derr := decode(trimNewline(line)); derr != nil {
				skipped = append(skipped, Skipped{Line: n, Reason: derr.Error()})
			}
		}
		if err != nil {
			return skipped, nil
		}
	}
}

// ReadLine reads up to and including a newline; a line over max bytes is
// consumed and reported as too long rather than kept.
func ReadLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(trimNewline(chunk)) > max {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, tooLong, err
	}
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// File is an append-only JSON-lines file, safe for concurrent use.
type File struct {
	mu      sync.Mutex
	f       *os.File
	durable bool
}

// OpenAppend opens (creating it and its folder if needed) the file at path
// for appending. If the file ends in a line torn by a crash, a newline ends
// it first, so the next record is not glued to it. With durable, every
// Append is synced to disk before it returns.
func OpenAppend(path string, durable bool) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := endTornLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{f: f, durable: durable}, nil
}

func endTornLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return err
	}
	if last[0] == '\n' {
		return nil
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

// Append writes each of vs as a JSON line, all in a single write. Text is
// kept as it is (no HTML escaping, which would grow a line up to six
// times). A write that fails part-way is cut back off the file, so the next
// record does not glue onto its fragment.
func (f *File) Append(vs ...any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil { // Encode ends each value with a newline
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return os.ErrClosed
	}
	st, err := f.f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.f.Write(buf.Bytes()); err != nil {
		_ = f.f.Truncate(st.Size()) // best effort: endTornLine covers a crash
		return err
	}
	if f.durable {
		return f.f.Sync()
	}
	return nil
}

// Close closes the file; a second Close does nothing.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}

// Warn logs each skipped line of path, so whoever starts the process sees
// what was left out and why.
func Warn(log *zap.Logger, path string, skipped []Skipped) {
	for _, s := range skipped {
		log.Warn("skipped a line that could not be used", zap.String("file", path), zap.Int("line", s.Line), zap.String("reason", s.Reason))
	}
}
