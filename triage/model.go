package triage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/switchboard-care/switchboard/post"
)

// Model is a trained intent model: what the engine built at start from the
// shipped data, or what Learn built from the shipped data plus agents'
// corrections. Its Version is a content hash of what it learned from, so a
// case records which model triaged it, as it records the policy version.
type Model struct {
	Version     string   `json:"version"`
	Intents     []string `json:"intents"`
	Examples    int      `json:"examples"`    // shipped examples it learned from
	Corrections int      `json:"corrections"` // agents' corrections it learned from
	Temperature float64  `json:"temperature"`
	Buckets     int      `json:"buckets"`
	m           *linear
}

// Correction is a post an agent labelled: a handoff to another department,
// a changed intent, a rescue from the spam queue. Department is what the
// agent routed it to; the model learns intents, so a correction without an
// intent is used only when its department is the route of exactly one
// intent (see CorrectionIntent).
type Correction struct {
	Post       post.Post `json:"post"`
	Intent     string    `json:"intent,omitempty"`
	Department string    `json:"department,omitempty"`
}

// ReadCorrections reads JSON lines of corrections, naming the line of any
// mistake.
func ReadCorrections(r io.Reader) ([]Correction, error) {
	return readLines(r, func(c Correction) error {
		switch {
		case c.Post.Text == "":
			return errors.New("post.text is required")
		case c.Intent == "" && c.Department == "":
			return errors.New("give intent, department or both")
		}
		return nil
	})
}

// correctionWeight is how much more one correction counts than one shipped
// example: corrections are the brand's own traffic, labelled by the people
// who answer it, and there are few of them next to thousands of shipped
// posts. Three was the smallest weight at which TestLearningFromCorrections
// gained most of what it could.
const correctionWeight = 3

// trainerVersion enters every model version: a change to the features or
// the trainer must give the same data a new version.
const trainerVersion = "linear-v2" // v2: bare domains ("acme-gifts.win") read as links

// trained keeps the models this process trained, by version: tests and
// benchmarks build many engines from the same data and need train only once.
var trained sync.Map

// Learn trains a model from the shipped examples plus corrections, which
// must name an intent the configuration knows. The engine keeps its own
// model; pass the result to UseModel or Save it.
func (e *Engine) Learn(corrections []Correction) (*Model, error) {
	examples, err := TrainingSet()
	if err != nil {
		return nil, err
	}
	return e.learn(examples, corrections)
}

// learn trains a model from examples and corrections and calibrates it on
// the shipped calibration set.
func (e *Engine) learn(examples []Example, corrections []Correction) (*Model, error) {
	calibration, err := calibrationSet()
	if err != nil {
		return nil, err
	}
	for i, cor := range corrections {
		if !slices.Contains(e.cfg.Intents, cor.Intent) {
			return nil, fmt.Errorf("correction %d (%s): intent %q is not one of triage.intents", i+1, cor.Post.ID, cor.Intent)
		}
		lang, _ := e.languages.detect(tokenize(redact(cor.Post.Text, e.personal.find(cor.Post.Text))))
		examples = append(examples, Example{Text: cor.Post.Text, Intent: cor.Intent, Language: lang, weight: correctionWeight})
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%q\x00%q\x00%q\x00", trainerVersion, e.cfg.Intents, e.cfg.PersonalData.OrderPatterns, e.cfg.Language.Languages)
	for _, set := range [][]Example{examples, calibration} {
		for _, ex := range set {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00%g\x00", ex.Text, ex.Language, ex.Intent, ex.weight)
		}
		h.Write([]byte{1})
	}
	version := hex.EncodeToString(h.Sum(nil))[:12]
	model := &Model{Version: version, Intents: e.cfg.Intents, Examples: len(examples) - len(corrections), Corrections: len(corrections), Buckets: hashBuckets}
	if m, ok := trained.Load(version); ok {
		model.m = m.(*linear)
	} else {
		model.m = trainLinear(e.cfg.Intents, e.samples(model, examples), e.samples(model, calibration))
		trained.Store(version, model.m)
	}
	model.Temperature = model.m.temperature
	return model, nil
}

// samples reads examples as the model sees posts; examples of intents this
// configuration does not use are left out.
func (e *Engine) samples(m *Model, examples []Example) []sample {
	out := make([]sample, 0, len(examples))
	for _, ex := range examples {
		c := slices.Index(e.cfg.Intents, ex.Intent)
		if c < 0 {
			continue
		}
		redacted := redact(ex.Text, e.personal.find(ex.Text))
		feats, _ := features(tokenize(redacted), e.sentiment.score(ex.Language, redacted).compound)
		w := ex.weight
		if w == 0 {
			w = 1
		}
		out = append(out, sample{buckets: m.buckets(feats), class: c, weight: w})
	}
	return out
}

// CorrectionIntent is the intent a correction teaches: its own, or else
// the one intent whose route (per routeOf) is its department. ok is false
// when the department is the route of no intent or of several.
func CorrectionIntent(c Correction, intents []string, routeOf func(intent string) string) (string, bool) {
	if c.Intent != "" {
		return c.Intent, true
	}
	found := ""
	for _, in := range intents {
		if routeOf(in) == c.Department {
			if found != "" {
				return "", false
			}
			found = in
		}
	}
	return found, found != ""
}

// buckets hashes a post's features.
func (m *Model) buckets(feats []string) []uint32 {
	out := make([]uint32, len(feats))
	for i, f := range feats {
		out[i] = featureBucket(f)
	}
	return out
}

// UseModel makes the engine triage with m from now on. It is meant for the
// start of a worker or command, before posts are triaged.
func (e *Engine) UseModel(m *Model) error {
	if !slices.Equal(m.Intents, e.cfg.Intents) {
		return fmt.Errorf("model %s was trained for intents %v, the configuration has %v", m.Version, m.Intents, e.cfg.Intents)
	}
	e.model = m
	return nil
}

// WithModel returns an engine that triages like e, but with m, and with a
// duplicate detector of its own (so measuring a model leaves e's memory of
// recent posts alone). e is unchanged and keeps serving; the copy shares
// its language models, so it costs little.
func (e *Engine) WithModel(m *Model) (*Engine, error) {
	c := *e
	if err := c.UseModel(m); err != nil {
		return nil, err
	}
	if e.dupes != nil {
		c.dupes = newDuplicates(e.cfg.Duplicates.Window)
	}
	return &c, nil
}

// Model is the model the engine triages with.
func (e *Engine) Model() *Model { return e.model }

// Files of a saved model.
const (
	modelMetaFile    = "model.json"
	modelWeightsFile = "weights.bin"
)

// Encode returns what Save writes: the metadata (model.json: its version
// and what it learned from) and the weights (weights.bin: the biases and
// weights as little-endian float32).
func (m *Model) Encode() (meta, weights []byte, err error) {
	if meta, err = json.MarshalIndent(m, "", "  "); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.Grow(4 * (len(m.m.bias) + len(m.m.weights)))
	for _, part := range [][]float32{m.m.bias, m.m.weights} {
		if err := binary.Write(&buf, binary.LittleEndian, part); err != nil {
			return nil, nil, err
		}
	}
	return append(meta, '\n'), buf.Bytes(), nil
}

// DecodeModel reads a model Encode wrote.
func DecodeModel(meta, weights []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", modelMetaFile, err)
	}
	if m.Buckets != hashBuckets || len(m.Intents) == 0 || m.Temperature <= 0 {
		return nil, fmt.Errorf("%s: a model of %d buckets, %d intents and temperature %v; this build reads %d buckets", modelMetaFile, m.Buckets, len(m.Intents), m.Temperature, hashBuckets)
	}
	k := len(m.Intents)
	m.m = &linear{classes: m.Intents, bias: make([]float32, k), weights: make([]float32, hashBuckets*k), temperature: m.Temperature}
	r := bytes.NewReader(weights)
	for _, part := range [][]float32{m.m.bias, m.m.weights} {
		if err := binary.Read(r, binary.LittleEndian, part); err != nil {
			return nil, fmt.Errorf("%s: %w", modelWeightsFile, err)
		}
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%s: longer than %d intents × %d buckets", modelWeightsFile, k, hashBuckets)
	}
	return &m, nil
}

// Save writes the model into dir (created if missing), as Encode does.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta, weights, err := m.Encode()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, modelWeightsFile), weights, 0o644); err != nil {
		return err
	}
	// The metadata goes last: a directory with model.json holds a whole model.
	return os.WriteFile(filepath.Join(dir, modelMetaFile), meta, 0o644)
}

// LoadModel reads a model Save wrote.
func LoadModel(dir string) (*Model, error) {
	meta, err := os.ReadFile(filepath.Join(dir, modelMetaFile))
	if err != nil {
		return nil, err
	}
	weights, err := os.ReadFile(filepath.Join(dir, modelWeightsFile))
	if err != nil {
		return nil, err
	}
	return DecodeModel(meta, weights)
}
