# switchboard: `make dev` runs the whole system, `make test` runs every test,
# `make lint` and `make race` the fast checks CI runs first.
# Both build the pinned Temporal CLI into .tools/bin on first use (unless
# `temporal` is on PATH); `make test` also installs Debian's Chromium for the
# console's browser test if it is missing.

# Keep in step with devserver.CLIVersion (a test checks).
TEMPORAL_VERSION := v1.5.1
TEMPORAL := .tools/bin/temporal
# The real server and its schema tool, for the cluster on PostgreSQL; keep
# in step with cluster.ServerVersion (a test checks).
SERVER_VERSION := v1.32.1
SERVER_TOOLS := .tools/server-$(SERVER_VERSION)
GO ?= go

# Linters, pinned like the CLI; built into .tools/bin when missing or at
# another version. Check a bump with `go list -m -versions MODULE`.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ERRCHECK := github.com/kisielk/errcheck@v1.30.0
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
# The packages whose tests run without a server: the domain and the
# workflows' test-suite tests (and the layering check).
NO_SERVER := ./post/ ./policy/ ./businesshours/ ./casestate/ ./triage/... ./learning/... ./dispatch/ ./journey/ ./slareport/ ./whatif/ ./spike/... ./incident/ ./workflows/ \
	./bulkimport/ ./demo/ ./publish/... ./notify/... ./internal/jsonl/ ./internal/archtest/ ./assertion/

.PHONY: dev test test-cluster temporal temporal-server postgres build fuzz bench faults lint lint-tools race

# Built, then run: `go run` exits 1 after Ctrl-C whatever the program
# returns, and switchboard stops cleanly with 0 (it takes the terminal, so
# a Ctrl-C reaches it alone). DEV_FLAGS passes flags: --port, --ui-port.
dev: temporal
	$(GO) build -o bin/switchboard ./cmd/switchboard
	bin/switchboard dev $(DEV_FLAGS)

# Fast checks CI runs before the tests: vet and staticcheck everywhere,
# errcheck and workflowcheck on the code that runs in workflows.
lint: lint-tools
	$(GO) vet ./...
	.tools/bin/staticcheck ./...
	.tools/bin/errcheck ./workflows/ ./casestate/ ./dispatch/ ./journey/ ./policy/ ./post/ ./businesshours/ ./caseapi/
	.tools/bin/workflowcheck -config .ci/workflowcheck.yaml ./workflows/

# The tests that need no server, under the race detector.
race:
	$(GO) test -race -count=1 -timeout 20m $(NO_SERVER)

lint-tools:
	@for t in $(STATICCHECK) $(ERRCHECK) $(WORKFLOWCHECK); do \
		pkg=$${t%@*}; want=$${t#*@}; bin=.tools/bin/$${pkg##*/}; \
		have=$$($(GO) version -m $$bin 2>/dev/null | awk '$$1 == "mod" { print $$3 }'); \
		if [ "$$have" != "$$want" ]; then \
			echo "building $$t into .tools/bin"; \
			GOBIN=$(CURDIR)/.tools/bin $(GO) install $$t || exit 1; \
		fi; \
	done

test: temporal
	sh scripts/ensure-debian.sh chromium /usr/bin/chromium chromium
	SWITCHBOARD_REQUIRE_TEMPORAL=1 SWITCHBOARD_REQUIRE_BROWSER=1 $(GO) test -count=1 -timeout 25m ./...
	@# Again in a time zone far from UTC (+14h): no test may depend on the machine's.
	TZ=Pacific/Kiritimati $(GO) test -count=1 $(NO_SERVER)

# The integration suites and the fault tests again, on a Temporal cluster
# on PostgreSQL (frontend, history, matching and worker as four processes)
# that each test starts itself; builds the server and installs PostgreSQL
# when missing. CI runs the suites and faults below (about six minutes);
# `make test-cluster CLUSTER_SUITES=./... CLUSTER_FAULTS=.` runs them all.
CLUSTER_SUITES ?= ./caseapi/ ./intake/ ./internal/cluster/ ./internal/kv/
CLUSTER_FAULTS ?= HistoryKilled|PostgresRestart|AcrossWorkers|WorkerKilledMidRun|Replicas
test-cluster: temporal temporal-server postgres
	SWITCHBOARD_TEST_BACKEND=postgres SWITCHBOARD_REQUIRE_TEMPORAL=1 $(GO) test -count=1 -timeout 25m $(CLUSTER_SUITES)
	@# Cases past a retention of seconds, read back from the cluster's archive.
	SWITCHBOARD_TEST_BACKEND=postgres SWITCHBOARD_REQUIRE_TEMPORAL=1 $(GO) test -count=1 -run 'PastRetention' ./internal/cli/
	SWITCHBOARD_TEST_BACKEND=postgres SWITCHBOARD_REQUIRE_TEMPORAL=1 $(GO) test -tags faults -count=1 -timeout 30m -v -run '$(CLUSTER_FAULTS)' ./faults/

# Every fuzz target for FUZZTIME executions each (CI runs it after the tests).
fuzz:
	FUZZTIME=$(or $(FUZZTIME),20000x) sh scripts/fuzz.sh

# The benchmark against a bare workflow on its own dev server (~10 min);
# report in test-artifacts/bench (docs/performance.md).
bench: temporal
	$(GO) run ./cmd/switchboard bench --out test-artifacts/bench

# Kill the worker, restart the server, deliver webhooks ten times (~2 min;
# docs/performance.md).
faults: temporal
	SWITCHBOARD_REQUIRE_TEMPORAL=1 $(GO) test -tags faults -count=1 -timeout 30m -v ./faults/

build:
	$(GO) build -o bin/ ./cmd/switchboard ./worker ./starter

temporal-server:
	@if [ -x $(SERVER_TOOLS)/server ] && [ -x $(SERVER_TOOLS)/sql ]; then :; else \
		echo "building the Temporal server $(SERVER_VERSION) into $(SERVER_TOOLS) (once; about 12 minutes)"; \
		GOBIN=$(CURDIR)/$(SERVER_TOOLS) $(GO) install go.temporal.io/server/cmd/server@$(SERVER_VERSION) && \
		GOBIN=$(CURDIR)/$(SERVER_TOOLS) $(GO) install go.temporal.io/server/cmd/tools/sql@$(SERVER_VERSION); \
	fi

# The server's initdb, not only the client that also makes /usr/lib/postgresql.
postgres:
	sh scripts/ensure-debian.sh postgresql $(wildcard /usr/lib/postgresql/*/bin/initdb)

temporal:
	@if [ -x $(TEMPORAL) ] || command -v temporal >/dev/null 2>&1; then :; else \
		echo "building the Temporal CLI $(TEMPORAL_VERSION) into .tools/bin (once; a few minutes)"; \
		GOBIN=$(CURDIR)/.tools/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION); \
	fi
