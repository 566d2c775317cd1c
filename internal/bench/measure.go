package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// load is one kind of work the benchmark offers: the bare workflow or a
// case. submit starts item i and returns its workflow id; reached finds,
// in that workflow's history, the event that counts as done ("owner
// assigned" for a case) and its server time.
type load struct {
	name    string
	submit  func(ctx context.Context, i int) (string, error)
	reached func(e *historypb.HistoryEvent) bool
}

// Throughput is a burst of posts submitted as fast as the submitters go.
type Throughput struct {
	Posts     int     `json:"posts"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
}

// Latency is a steady stream of posts at a fixed rate.
type Latency struct {
	Rate  float64 `json:"rate_per_second"`
	Posts int     `json:"posts"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// burst submits n items with c submitters and waits until every one is
// done; throughput is n over the time from the first submission to the
// last item done (server event time; server and benchmark share a clock).
func burst(ctx context.Context, tc client.Client, l load, n, c int) (Throughput, error) {
	ids := make([]string, n)
	next := make(chan int)
	errs := make(chan error, c)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				id, err := l.submit(ctx, i)
				if err != nil {
					errs <- fmt.Errorf("%s %d: %w", l.name, i, err)
					return
				}
				ids[i] = id
			}
		}()
	}
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			return Throughput{}, err
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return Throughput{}, err
	default:
	}
	var last time.Time
	for _, id := range ids {
		at, err := waitReached(ctx, tc, id, l.reached)
		if err != nil {
			return Throughput{}, err
		}
		if at.After(last) {
			last = at
		}
	}
	secs := last.Sub(start).Seconds()
	return Throughput{Posts: n, Seconds: secs, PerSecond: float64(n) / secs}, nil
}

// steady submits items at rate per second for d, each on its own
// goroutine (an open loop, as posts arrive whether or not the system keeps
// up), and returns every item's id and latency to done. pick, if not nil,
// may replace the load for item i (the timer cases ride along this way).
func steady(ctx context.Context, tc client.Client, l load, rate float64, d time.Duration, pick func(i int, at time.Duration) *load) (Latency, []string, error) {
	n := int(rate * d.Seconds())
	ids := make([]string, n)
	starts := make([]time.Time, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	t0 := time.Now()
	for i := range n {
		offset := time.Duration(float64(i) / rate * float64(time.Second))
		time.Sleep(time.Until(t0.Add(offset)))
		use := &l
		if pick != nil {
			if p := pick(i, offset); p != nil {
				use = p
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			starts[i] = time.Now()
			id, err := use.submit(ctx, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s %d: %w", use.name, i, err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return Latency{}, nil, firstErr
	}
	lat := make([]float64, n)
	for i, id := range ids {
		at, err := waitReached(ctx, tc, id, l.reached)
		if err != nil {
			return Latency{}, nil, err
		}
		lat[i] = float64(at.Sub(starts[i])) / float64(time.Millisecond)
	}
	slices.Sort(lat)
	return Latency{Rate: rate, Posts: n, P50ms: quantile(lat, 0.50), P99ms: quantile(lat, 0.99), MaxMs: lat[len(lat)-1]}, ids, nil
}

// waitReached follows a workflow's history (long polling) until reached
// matches an event, and returns that event's time.
func waitReached(ctx context.Context, tc client.Client, id string, reached func(*historypb.HistoryEvent) bool) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	it := tc.GetWorkflowHistory(ctx, id, "", true, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return time.Time{}, fmt.Errorf("history of %s: %w", id, err)
		}
		if reached(e) {
			return e.GetEventTime().AsTime(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s closed without reaching its mark", id)
}

// quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// median of values (copied, not reordered).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var errTimeout = errors.New("timed out")

// eventually retries f every interval until it returns nil or ctx ends.
func eventually(ctx context.Context, interval time.Duration, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", errTimeout, err)
		case <-time.After(interval):
		}
	}
}
