package triage

import (
	"cmp"
	"math"
	"math/rand"
	"slices"
)

// linear is a multinomial logistic regression over hashed features: word
// unigrams and bigrams, words in the scope of a negation, character
// four-grams (which survive typos, elongation and inflection) and a few
// whole-post cues. Hashing keeps memory fixed whatever the vocabulary:
// 2^18 buckets × 10 intents of float32 is 10 MiB.
//
// It replaced naive Bayes, which it beat side by side on every set measured
// (TestCompareModels): naive Bayes counts each word as independent evidence,
// so a post with many mildly "praise" words ("wow", "great", "love")
// outvotes the one word that makes it a complaint ("outage"); a linear
// model learns how much each feature is worth given the others.
type linear struct {
	classes []string
	weights []float32 // [bucket*len(classes) + class]
	bias    []float32
	// temperature divides the scores before the softmax. It is fitted on a
	// split the model did not train on, so that a confidence of 0.8 is
	// right about 80 % of the time there (see calibrate).
	temperature float64
}

const (
	hashBuckets = 1 << 18
	// Training: AdaGrad over shuffled examples. The figures were chosen on
	// the generated validation split (data/generated-heldout.jsonl) and
	// barely move within a factor of two.
	trainEpochs        = 8
	trainRate          = 0.4
	trainL2            = 1e-6
	trainSeed          = 1
	calibrationShare   = 5 // 1 in calibrationShare examples fits the temperature
	minimumTemperature = 0.05
)

// featureBucket hashes a feature name to its bucket: 32-bit FNV-1a,
// written out because hash/fnv allocates per call and triage hashes a few
// hundred features per post.
func featureBucket(name string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return h % hashBuckets
}

// sample is one training example as the model sees it.
type sample struct {
	buckets []uint32
	class   int
	weight  float32 // corrections from agents count more than shipped examples
}

// trainLinear fits the model to samples and calibrates it: the temperature
// is fitted on the calibration samples, phrasings the training samples
// lack, by a model trained without them; then the final model is trained
// on both, and keeps that temperature.
func trainLinear(classes []string, samples, calibration []sample) *linear {
	probe := fitLinear(classes, samples)
	m := fitLinear(classes, slices.Concat(samples, calibration))
	m.temperature = probe.fitTemperature(calibration)
	return m
}

// fitLinear runs AdaGrad on the cross-entropy with a small L2 penalty.
// Each post's features are scaled by 1/√n so long and short posts weigh
// alike. The shuffle is seeded, so the same samples give the same model.
func fitLinear(classes []string, samples []sample) *linear {
	k := len(classes)
	m := &linear{classes: classes, weights: make([]float32, hashBuckets*k), bias: make([]float32, k), temperature: 1}
	sumSq := make([]float32, hashBuckets*k)
	biasSq := make([]float32, k)
	order := rand.New(rand.NewSource(trainSeed)).Perm(len(samples))
	scores := make([]float64, k)
	for range trainEpochs {
		for _, i := range order {
			s := samples[i]
			scale := float32(1 / math.Sqrt(float64(max(len(s.buckets), 1))))
			m.rawScores(s.buckets, scores)
			softmax(scores, 1)
			for c := range k {
				g := float32(scores[c]) * s.weight
				if c == s.class {
					g -= s.weight
				}
				if g == 0 {
					continue
				}
				biasSq[c] += g * g
				m.bias[c] -= trainRate * g / float32(math.Sqrt(float64(biasSq[c])))
				for _, b := range s.buckets {
					j := int(b)*k + c
					gw := g*scale + trainL2*m.weights[j]
					sumSq[j] += gw * gw
					m.weights[j] -= trainRate * gw / float32(math.Sqrt(float64(sumSq[j])))
				}
			}
		}
	}
	return m
}

// rawScores writes the class scores of a post, before the softmax.
func (m *linear) rawScores(buckets []uint32, out []float64) {
	k := len(m.classes)
	scale := 1 / math.Sqrt(float64(max(len(buckets), 1)))
	for c := range k {
		out[c] = float64(m.bias[c])
	}
	for _, b := range buckets {
		row := m.weights[int(b)*k : int(b)*k+k]
		for c, w := range row {
			out[c] += float64(w) * scale
		}
	}
}

// softmax turns scores divided by temperature into probabilities in place.
func softmax(scores []float64, temperature float64) {
	top := slices.Max(scores)
	sum := 0.0
	for c, s := range scores {
		scores[c] = math.Exp((s - top) / temperature)
		sum += scores[c]
	}
	for c := range scores {
		scores[c] /= sum
	}
}

// probabilities are the calibrated class probabilities of a post.
func (m *linear) probabilities(buckets []uint32) []float64 {
	p := make([]float64, len(m.classes))
	m.rawScores(buckets, p)
	softmax(p, m.temperature)
	return p
}

// fitTemperature finds the temperature that minimises the log-loss on
// samples the model did not train on (temperature scaling: one parameter,
// so it cannot overfit a split of a few hundred posts, and it never changes
// which intent wins, only how sure the model says it is).
func (m *linear) fitTemperature(samples []sample) float64 {
	if len(samples) == 0 {
		return 1
	}
	raw := make([][]float64, len(samples))
	for i, s := range samples {
		raw[i] = make([]float64, len(m.classes))
		m.rawScores(s.buckets, raw[i])
	}
	loss := func(t float64) float64 {
		sum := 0.0
		p := make([]float64, len(m.classes))
		for i, s := range samples {
			copy(p, raw[i])
			softmax(p, t)
			sum -= math.Log(max(p[s.class], 1e-12))
		}
		return sum
	}
	// The log-loss is unimodal in the temperature: golden-section search
	// on a log scale.
	lo, hi := math.Log(minimumTemperature), math.Log(20)
	const phi = 0.6180339887498949
	for range 60 {
		a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
		if loss(math.Exp(a)) < loss(math.Exp(b)) {
			hi = b
		} else {
			lo = a
		}
	}
	return math.Exp((lo + hi) / 2)
}

// sway orders a post's features by how much each favoured class over
// other, the strongest first, leaving out those that favoured other: the
// indices of the words a reason names.
func (m *linear) sway(buckets []uint32, class, other int) []int {
	n := len(m.classes)
	pull := func(i int) float32 {
		b := int(buckets[i])
		return m.weights[b*n+class] - m.weights[b*n+other]
	}
	var idx []int
	for i := range buckets {
		if pull(i) > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(pull(b), pull(a)) })
	return idx
}
