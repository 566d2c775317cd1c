// Package app wires switchboard's processes together: the Temporal client,
// the worker with its activities, and search-attribute registration. The
// mains (worker/, starter/, the switchboard command) stay thin over it.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/activities"
	"github.com/switchboard-care/switchboard/assertion"
	"github.com/switchboard-care/switchboard/caseapi"
	"github.com/switchboard-care/switchboard/config"
	"github.com/switchboard-care/switchboard/incident"
	"github.com/switchboard-care/switchboard/internal/kv"
	"github.com/switchboard-care/switchboard/internal/logging"
	"github.com/switchboard-care/switchboard/internal/metrics"
	"github.com/switchboard-care/switchboard/learning/retrain"
	"github.com/switchboard-care/switchboard/notify"
	"github.com/switchboard-care/switchboard/publish"
	"github.com/switchboard-care/switchboard/publish/platform"
	"github.com/switchboard-care/switchboard/triage"
	"github.com/switchboard-care/switchboard/workflows"
)

// Dial connects to Temporal with the configured address, namespace and, if
// configured, TLS (temporal.tls); m, if not nil, receives the SDK's metrics.
func Dial(ctx context.Context, cfg *config.Config, log *zap.Logger, m *metrics.Metrics) (client.Client, error) {
	tlsConf, err := cfg.Temporal.TLS.ClientConfig()
	if err != nil {
		return nil, err
	}
	opts := client.Options{
		HostPort:          cfg.Temporal.Address,
		Namespace:         cfg.Temporal.Namespace,
		Logger:            logging.Temporal(log.Named("temporal")),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsConf},
	}
	if m != nil {
		opts.MetricsHandler = m.Temporal()
	}
	tc, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (is the server running? `make dev` starts one): %w", cfg.Temporal.Address, err)
	}
	return tc, nil
}

// OpenStore opens the shared store the configuration names, creating the
// data folder for the embedded one.
func OpenStore(ctx context.Context, cfg *config.Config) (*kv.Store, error) {
	if cfg.Store.URL == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, err
		}
	}
	return kv.Open(ctx, cfg.StoreURL())
}

// OutboxPath is the sandbox publisher's file in the data folder.
func OutboxPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "outbox.jsonl") }

// NotificationsPath is the sandbox notifier's file in the data folder.
func NotificationsPath(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, "notifications.jsonl")
}

// Worker is a Temporal worker that also keeps its triage engine on the
// promoted model; Stop stops both and closes its shared store.
type Worker struct {
	worker.Worker
	stopWatching context.CancelFunc
	store        *kv.Store
}

// Stop stops the worker and its model watch.
func (w *Worker) Stop() {
	w.stopWatching()
	w.Worker.Stop()
	_ = w.store.Close()
}

// NewWorker builds a worker with every workflow and activity registered,
// on the shared store the configuration names.
func NewWorker(ctx context.Context, cfg *config.Config, tc client.Client, log *zap.Logger) (*Worker, error) {
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	w, err := newWorker(cfg, tc, store, log)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return w, nil
}

func newWorker(cfg *config.Config, tc client.Client, store *kv.Store, log *zap.Logger) (*Worker, error) {
	actors, err := cfg.ActorKeys()
	if err != nil {
		return nil, err
	}
	signer, err := cfg.Signer()
	if err != nil {
		return nil, err
	}
	if _, ok := actors[assertion.KeyID(signer.Public())]; !ok {
		return nil, fmt.Errorf("the worker signs the signals its workflows send with %s, which security.verify_keys does not list: its own cases would refuse them",
			cfg.SigningKeyPath())
	}
	live, err := newTriage(cfg, store, log)
	if err != nil {
		return nil, err
	}
	models := retrain.NewModels(store)
	corrections := retrain.NewStore(store)
	outbox, err := publish.NewOutbox(OutboxPath(cfg), log.Named("outbox"))
	if err != nil {
		return nil, err
	}
	publisher, err := platform.NewRouter(cfg.Publishers, outbox, platform.NewSentStore(store, cfg.Publishers.RequestTimeout()), nil)
	if err != nil {
		return nil, fmt.Errorf("publishers: %w", err)
	}
	notifier, err := notify.New(cfg, NotificationsPath(cfg), store, log.Named("notify"))
	if err != nil {
		return nil, err
	}
	// Process-wide, and taken when the first worker starts.
	worker.SetStickyWorkflowCacheSize(cfg.Temporal.CachedWorkflows)
	w := worker.New(tc, cfg.Temporal.TaskQueue, worker.Options{})
	(&workflows.Workflows{Actors: actors, Signer: signer, Incidents: IncidentOptions(cfg)}).Register(w)
	acts := &activities.Activities{Temporal: tc, TaskQueue: cfg.Temporal.TaskQueue,
		Publisher: publisher, Notifier: notifier,
		Corrections: corrections, Signer: signer,
		Retrainer: &retrain.Retrainer{Live: live, Policy: &cfg.Policy, Intents: cfg.Triage.Intents, Store: corrections,
			Models: models, HoldoutShare: cfg.Retrain.HoldoutShare},
		Log: log.Named("activity")}
	w.RegisterActivityWithOptions(acts.Publish, activityName(workflows.ActivityPublish))
	w.RegisterActivityWithOptions(acts.Notify, activityName(workflows.ActivityNotify))
	w.RegisterActivityWithOptions(acts.Dispatch, activityName(workflows.ActivityDispatch))
	w.RegisterActivityWithOptions(acts.RecordCorrections, activityName(workflows.ActivityRecordCorrections))
	w.RegisterActivityWithOptions(acts.Deliver, activityName(workflows.ActivityDeliver))
	w.RegisterActivityWithOptions(acts.TrainTriageCandidate, activityName(workflows.ActivityTrainCandidate))
	w.RegisterActivityWithOptions(acts.PromoteTriageModel, activityName(workflows.ActivityPromoteModel))
	ctx, stop := context.WithCancel(context.Background())
	go live.Watch(ctx, cfg.Retrain.Refresh)
	return &Worker{Worker: w, stopWatching: stop, store: store}, nil
}

// EnsureRetrainSchedule creates the schedule that retrains triage from the
// agents' corrections, unless it exists (an operator may have changed or
// paused it in the Web UI) or retrain.every is 0.
func EnsureRetrainSchedule(ctx context.Context, tc client.Client, cfg *config.Config) error {
	if cfg.Retrain.Every == 0 {
		return nil
	}
	_, err := tc.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:   workflows.RetrainScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: cfg.Retrain.Every}}},
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.RetrainScheduleID, Workflow: workflows.RetrainWorkflowName, TaskQueue: cfg.Temporal.TaskQueue,
			Args: []any{workflows.RetrainInput{MinHeldOut: cfg.Retrain.MinHeldOut}},
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    "retrains triage from agents' corrections; promotes a model only if it is not worse",
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create the retraining schedule: %w", err)
	}
	return nil
}

// RunWorker registers missing search attributes, then runs a worker until
// ctx is done.
func RunWorker(ctx context.Context, cfg *config.Config, tc client.Client, log *zap.Logger) error {
	if err := EnsureSearchAttributes(ctx, tc, cfg.Temporal.Namespace); err != nil {
		return err
	}
	if err := EnsureRetrainSchedule(ctx, tc, cfg); err != nil {
		return err
	}
	w, err := NewWorker(ctx, cfg, tc, log)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	log.Info("worker running", zap.String("task_queue", cfg.Temporal.TaskQueue), zap.String("namespace", cfg.Temporal.Namespace))
	<-ctx.Done()
	w.Stop()
	return nil
}

func activityName(name string) activity.RegisterOptions { return activity.RegisterOptions{Name: name} }

// EnsureSearchAttributes registers switchboard's custom search attributes
// that the namespace lacks, so a fresh server needs no manual step.
func EnsureSearchAttributes(ctx context.Context, tc client.Client, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	have, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	req := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: map[string]enums.IndexedValueType{}}
	for _, sa := range workflows.SearchAttributes {
		if _, ok := have.CustomAttributes[sa.Name]; !ok {
			req.SearchAttributes[sa.Name] = sa.Type
		}
	}
	if len(req.SearchAttributes) == 0 {
		return nil
	}
	_, err = tc.OperatorService().AddSearchAttributes(ctx, req)
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes: %w", err)
	}
	return nil
}

// Cases is the case API over a Temporal client, with the configured policy,
// agent directory and personal-data redaction. It reads; it opens no case
// (see SubmittingCases), acts for no one and adds no follow-up (see
// SigningCases).
func Cases(cfg *config.Config, tc client.Client) *caseapi.Client {
	c := caseapi.NewClient(tc, cfg.Temporal.TaskQueue)
	c.Policy, c.Directory, c.Redact = cfg.Policy, cfg.Directory(), triage.Redactor(cfg.Triage.PersonalData)
	c.Namespace = cfg.Temporal.Namespace
	return c
}

// newTriage is the triage engine with the model retraining last promoted.
func newTriage(cfg *config.Config, store *kv.Store, log *zap.Logger) (*retrain.Live, error) {
	engine, err := triage.New(cfg.Triage)
	if err != nil {
		return nil, fmt.Errorf("triage engine: %w", err)
	}
	return retrain.NewLive(engine, retrain.NewModels(store), log.Named("triage"))
}

// SubmittingCases is SigningCases with triage, for what submits posts
// (intake, imports, dead-letter replays, the demo): a case is triaged
// before it starts. Triage follows the promoted model until ctx is done.
func SubmittingCases(ctx context.Context, cfg *config.Config, tc client.Client, store *kv.Store, log *zap.Logger) (*caseapi.Client, error) {
	c, err := SigningCases(cfg, tc)
	if err != nil {
		return nil, err
	}
	live, err := newTriage(cfg, store, log)
	if err != nil {
		return nil, err
	}
	go live.Watch(ctx, cfg.Retrain.Refresh)
	c.Triager = live
	if cfg.Incidents.Watch {
		watchLog := log.Named("watch")
		c.Watch = &caseapi.Watch{NegativeSentiment: cfg.Incidents.NegativeSentiment, Missed: func(caseID string, err error) {
			watchLog.Warn("the crisis watch missed a post", zap.String("case_id", caseID), zap.Error(err))
		}}
	}
	return c, nil
}

// IncidentOptions are the crisis watch's configuration as its workflows
// take it.
func IncidentOptions(cfg *config.Config) workflows.IncidentOptions {
	return workflows.IncidentOptions{Detector: cfg.Incidents.Detector(), SendsPerMinute: cfg.Incidents.SendsPerMinute,
		Rules: incident.Rules{CoE: cfg.Policy.CoE, Public: cfg.Incidents.PublicDepartment}}
}

// SigningCases is Cases with the signing key, for the parts that turn a
// person into an actor (the console, the demo's agents) or that submit
// posts (intake, imports), whose follow-ups are signed signals.
func SigningCases(cfg *config.Config, tc client.Client) (*caseapi.Client, error) {
	signer, err := cfg.Signer()
	if err != nil {
		return nil, err
	}
	c := Cases(cfg, tc)
	c.Signer = signer
	return c, nil
}
