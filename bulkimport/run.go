package bulkimport

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
	"golang.org/x/time/rate"

	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/intake"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/post"
)

// Submitter turns a post into a case; *caseapi.Client is the real one.
type Submitter = intake.Submitter

// Defaults for the zero values of Options.
const (
	DefaultRate          = 20 // posts a second: gentle on a dev Temporal
	DefaultSubmitTimeout = 30 * time.Second
	DefaultRetries       = 5
	DefaultBackoff       = time.Second
	DefaultMaxRejections = 1000
	checkpointEvery      = time.Second
	fingerprintBytes     = 4096
)

// Options steer a run.
type Options struct {
	// Name is the input's name in messages and the checkpoint ("-" for
	// standard input).
	Name string
	// Rate is posts submitted per second; 0 is DefaultRate, negative is
	// no limit.
	Rate float64
	// Checkpoint is the file progress is kept in; empty disables resuming.
	Checkpoint string
	// Restart ignores an existing checkpoint and imports from the top.
	Restart bool
	// Progress receives a progress bar. A file that is not a terminal
	// gets none, so logs and pipes stay clean; nil means none.
	Progress io.Writer
	// Size is the input's size in bytes, for the bar; 0 if unknown.
	Size int64
	// Map steers mapping of the CSV.
	Map MapOptions
	// SubmitTimeout bounds one submit; Retries and Backoff retry a post
	// Temporal did not take before the run stops (to be resumed).
	SubmitTimeout time.Duration
	Retries       int
	Backoff       time.Duration
	// MaxRejections is how many rejected lines the summary keeps with their
	// reasons; all are counted.
	MaxRejections int
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = "-"
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.SubmitTimeout <= 0 {
		o.SubmitTimeout = DefaultSubmitTimeout
	}
	if o.Retries <= 0 {
		o.Retries = DefaultRetries
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxRejections <= 0 {
		o.MaxRejections = DefaultMaxRejections
	}
	return o
}

// Rejection is a line that is not a post, and why.
type Rejection struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Summary is what an import did, counted over every run of the same
// input (a resumed run carries on the counts of the one it resumes).
type Summary struct {
	Input      string `json:"input"`
	Format     Format `json:"format"`
	Records    int    `json:"records"`              // records read (JSON lines, CSV rows)
	LastLine   int    `json:"last_line"`            // the line of the last record handled
	ResumedAt  int    `json:"resumed_at,omitempty"` // records an earlier run had handled
	Started    int    `json:"started"`
	Joined     int    `json:"joined"`
	Duplicates int    `json:"duplicates"`
	Skipped    int    `json:"skipped"` // rows that are not customer posts (the companies' answers)
	// RejectedCount counts every rejected line; Rejected keeps the first
	// MaxRejections of them with their reasons.
	RejectedCount int         `json:"rejected_count"`
	Rejected      []Rejection `json:"rejected,omitempty"`
	Complete      bool        `json:"complete"` // the input was read to its end
}

// Write prints the summary for a person.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "%s (%s): %d records", s.Input, s.Format, s.Records)
	if s.ResumedAt > 0 {
		fmt.Fprintf(w, ", resumed after record %d", s.ResumedAt)
	}
	if !s.Complete {
		fmt.Fprintf(w, ", stopped after line %d", s.LastLine)
	}
	fmt.Fprintf(w, "\n  started    %d\n  joined     %d\n  duplicates %d\n  skipped    %d (not customer posts)\n  rejected   %d\n",
		s.Started, s.Joined, s.Duplicates, s.Skipped, s.RejectedCount)
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "    line %d: %s\n", r.Line, r.Reason)
	}
	if more := s.RejectedCount - len(s.Rejected); more > 0 {
		fmt.Fprintf(w, "    … and %d more\n", more)
	}
}

func (s *Summary) reject(line int, reason string, keep int) {
	s.RejectedCount++
	if len(s.Rejected) < keep {
		s.Rejected = append(s.Rejected, Rejection{Line: line, Reason: reason})
	}
}

// checkpoint is the progress file: how many records are done, and the
// summary so far. Head fingerprints the input's first bytes, so a
// checkpoint is never applied to another file.
type checkpoint struct {
	Version int       `json:"version"`
	Head    string    `json:"head_sha256"`
	Summary Summary   `json:"summary"`
	Updated time.Time `json:"updated"`
}

// CheckpointPath is where the checkpoint of input goes in a data folder:
// one per input path, named so a person can tell which is which.
func CheckpointPath(dataDir, input string) string {
	abs, err := filepath.Abs(input)
	if err != nil {
		abs = input
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dataDir, "import", filepath.Base(input)+"-"+hex.EncodeToString(sum[:4])+".checkpoint.json")
}

// RunFile imports the file at path; format "" detects it from the name and
// the first bytes.
func RunFile(ctx context.Context, path string, format Format, sub Submitter, opts Options) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		opts.Size = st.Size()
	}
	opts.Name = path
	br := bufio.NewReaderSize(f, 64<<10)
	if format == "" {
		head, _ := br.Peek(fingerprintBytes)
		if format, err = DetectFormat(path, head); err != nil {
			return Summary{}, err
		}
	}
	return Run(ctx, br, format, sub, opts)
}

// Run imports every record of r. It stops early, with the checkpoint saved,
// when ctx is cancelled or Temporal does not take a post after the retries;
// running it again on the same input resumes after the last record handled.
// Posts are submitted one at a time, in order, so a reply later in the file
// finds the case of the post it answers.
func Run(ctx context.Context, r io.Reader, format Format, sub Submitter, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(fingerprintBytes)
	headSum := sha256.Sum256(head)
	fp := hex.EncodeToString(headSum[:])

	sum := Summary{Input: opts.Name, Format: format}
	if opts.Checkpoint != "" && !opts.Restart {
		cp, err := loadCheckpoint(opts.Checkpoint)
		if err != nil {
			return sum, err
		}
		if cp != nil {
			if cp.Head != fp || cp.Summary.Format != format {
				return sum, fmt.Errorf("checkpoint %s belongs to another input (its first bytes or format differ): import with --restart, or delete it", opts.Checkpoint)
			}
			sum = cp.Summary
			sum.Input, sum.ResumedAt, sum.Complete = opts.Name, cp.Summary.Records, false
		}
	}
	counter := &countingReader{r: br}
	rd, err := NewReader(counter, format, opts.Map)
	if err != nil {
		return sum, err
	}
	// The index of this run's threads lives as long as the run; a resumed
	// run rebuilds it (replay).
	index, err := kv.Memory(ctx)
	if err != nil {
		return sum, err
	}
	defer index.Close()
	run := &runner{
		sub: sub, opts: opts, sum: &sum, threads: intake.NewThreadIndex(index),
		bar: newBar(opts), counter: counter, fp: fp, lastSave: time.Now(),
	}
	limit := rate.Limit(opts.Rate)
	if opts.Rate < 0 {
		limit = rate.Inf
	}
	run.limiter = rate.NewLimiter(limit, 1)
	err = run.loop(ctx, rd)
	if err == nil {
		sum.Complete = true
	}
	if serr := run.save(); serr != nil && err == nil {
		err = serr
	}
	run.finishBar()
	return sum, err
}

type runner struct {
	sub      Submitter
	opts     Options
	sum      *Summary
	threads  *intake.ThreadIndex
	limiter  *rate.Limiter
	bar      *progressbar.ProgressBar
	counter  *countingReader
	fp       string
	lastSave time.Time
}

func (r *runner) loop(ctx context.Context, rd Reader) error {
	done := r.sum.Records
	for n := 1; ; n++ {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s after line %d: %w", r.opts.Name, r.sum.LastLine, err)
		}
		r.tick()
		if n <= done {
			if err := r.replay(ctx, rec); err != nil {
				return err
			}
			continue
		}
		if err := r.handle(ctx, rec); err != nil {
			return err
		}
		r.sum.Records, r.sum.LastLine = n, rec.Line
		if time.Since(r.lastSave) >= checkpointEvery {
			if err := r.save(); err != nil {
				return err
			}
		}
	}
}

func (r *runner) handle(ctx context.Context, rec Record) error {
	switch {
	case rec.Reason != "":
		r.sum.reject(rec.Line, rec.Reason, r.opts.MaxRejections)
		return nil
	case rec.Skip:
		r.sum.Skipped++
		if rec.Link != nil {
			return r.threads.Follow(ctx, *rec.Link)
		}
		return nil
	}
	p := rec.Post
	if err := r.threads.Resolve(ctx, &p); err != nil {
		return err
	}
	if err := r.limiter.Wait(ctx); err != nil {
		return r.interrupted(ctx, rec, err)
	}
	out, err := r.submit(ctx, p)
	switch {
	case errors.Is(err, caseapi.ErrInvalidPost):
		r.sum.reject(rec.Line, strings.TrimPrefix(oneLine(err), caseapi.ErrInvalidPost.Error()+" "), r.opts.MaxRejections)
		return nil
	case ctx.Err() != nil:
		return r.interrupted(ctx, rec, ctx.Err())
	case err != nil:
		return fmt.Errorf("line %d of %s: Temporal did not take post %s after %d tries (run the same import again to resume from this line): %w",
			rec.Line, r.opts.Name, p.ID, r.opts.Retries, err)
	case out.Started:
		r.sum.Started++
	case out.Joined:
		r.sum.Joined++
	default:
		r.sum.Duplicates++
	}
	return r.threads.Record(ctx, p, out)
}

func (r *runner) interrupted(ctx context.Context, rec Record, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return fmt.Errorf("interrupted before line %d of %s (progress saved; run the same import again to resume): %w", rec.Line, r.opts.Name, err)
}

// replay rebuilds the thread index from a record an earlier run handled,
// without submitting it: a reply after the resume point still finds the
// case of a post before it. The index then assumes the post joined the case
// its thread names, which is what the earlier run will have done unless
// that case had closed.
func (r *runner) replay(ctx context.Context, rec Record) error {
	switch {
	case rec.Link != nil:
		return r.threads.Follow(ctx, *rec.Link)
	case rec.Reason == "" && !rec.Skip:
		p := rec.Post
		root := p.ID
		if ref := p.ThreadRoot(); ref != "" {
			known, ok, err := r.threads.CaseRoot(ctx, p.Platform, ref)
			if err != nil {
				return err
			}
			if ok {
				root = known
			}
		}
		return r.threads.Remember(ctx, p.Platform, p.ID, root)
	}
	return nil
}

// submit retries what Temporal did not take, backing off, within ctx.
func (r *runner) submit(ctx context.Context, p post.Post) (caseapi.Outcome, error) {
	return Submit(ctx, r.sub, p, r.opts)
}

// Submit submits p as an importer (or a platform redelivering a webhook)
// does: again, with backoff, after an error that is not the post's own
// (Temporal, or the customer's look-up, too slow for now), up to
// opts.Retries attempts of opts.SubmitTimeout each.
func Submit(ctx context.Context, sub Submitter, p post.Post, opts Options) (caseapi.Outcome, error) {
	opts = opts.withDefaults()
	wait := opts.Backoff
	var err error
	for try := 1; try <= opts.Retries; try++ {
		sctx, cancel := context.WithTimeout(ctx, opts.SubmitTimeout)
		var out caseapi.Outcome
		out, err = sub.Submit(sctx, p)
		cancel()
		if err == nil || errors.Is(err, caseapi.ErrInvalidPost) || ctx.Err() != nil || try == opts.Retries {
			return out, err
		}
		select {
		case <-ctx.Done():
			return caseapi.Outcome{}, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
	return caseapi.Outcome{}, err
}

func (r *runner) save() error {
	r.lastSave = time.Now()
	if r.opts.Checkpoint == "" {
		return nil
	}
	cp := checkpoint{Version: 1, Head: r.fp, Summary: *r.sum, Updated: time.Now().UTC()}
	data, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.opts.Checkpoint), 0o755); err != nil {
		return fmt.Errorf("checkpoint folder: %w", err)
	}
	// Write then rename, so a crash mid-write leaves the previous
	// checkpoint rather than half a file.
	tmp := r.opts.Checkpoint + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := os.Rename(tmp, r.opts.Checkpoint); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

func loadCheckpoint(path string) (*checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil || cp.Version != 1 {
		return nil, fmt.Errorf("checkpoint %s is unreadable (import with --restart, or delete it): %v", path, err)
	}
	return &cp, nil
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func newBar(opts Options) *progressbar.ProgressBar {
	w := opts.Progress
	if w == nil {
		return nil
	}
	if f, ok := w.(*os.File); ok && !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	size := opts.Size
	if size <= 0 {
		size = -1 // unknown: a spinner
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("import "+filepath.Base(opts.Name)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

func (r *runner) tick() {
	if r.bar == nil {
		return
	}
	_ = r.bar.Set64(r.counter.n)
	r.bar.Describe(fmt.Sprintf("import %s: %d started, %d joined, %d dup, %d rejected",
		filepath.Base(r.opts.Name), r.sum.Started, r.sum.Joined, r.sum.Duplicates, r.sum.RejectedCount))
}

func (r *runner) finishBar() {
	if r.bar == nil {
		return
	}
	r.tick()
	if r.sum.Complete {
		_ = r.bar.Finish()
		return
	}
	_ = r.bar.Exit()
}
