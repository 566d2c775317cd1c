package retrain

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-care/switchboard/learning"
	"github.com/switchboard-care/switchboard/triage"
)

// Measure reads an evaluation report as learning's figures.
func Measure(rep triage.Report) learning.Figures {
	f := learning.Figures{Model: rep.ModelVersion, Posts: rep.Posts, SpamFP: rep.SpamFalsePositives.Rate, WorstHighStakes: 1}
	if r := rep.Fields["intent"]; r != nil {
		f.Intent = r.Accuracy
	}
	if r := rep.Fields["department"]; r != nil {
		f.Dept = r.Accuracy
	}
	for _, s := range rep.HighStakes {
		if s.Of > 0 {
			f.WorstHighStakes = min(f.WorstHighStakes, s.Rate)
		}
	}
	return f
}

// Models is a folder of trained models, a sub-folder each by version, and
// a file "current" naming the promoted one.
type Models string

const currentFile = "current"

// Dir is where the model of a version is kept.
func (m Models) Dir(version string) string { return filepath.Join(string(m), version) }

// Current names the promoted model, "" when none has been.
func (m Models) Current() (string, error) {
	b, err := os.ReadFile(filepath.Join(string(m), currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// Promote makes version the current model, atomically: a reader sees the
// old name or the new, never a torn one.
func (m Models) Promote(version string) error {
	if _, err := triage.LoadModel(m.Dir(version)); err != nil {
		return fmt.Errorf("promote %s: %w", version, err)
	}
	tmp := filepath.Join(string(m), currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(version+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(string(m), currentFile))
}

// LoadCurrent loads the promoted model; nil when none has been.
func (m Models) LoadCurrent() (*triage.Model, error) {
	v, err := m.Current()
	if err != nil || v == "" {
		return nil, err
	}
	return triage.LoadModel(m.Dir(v))
}
