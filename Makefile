# switchboard: `make dev` runs the whole system, `make test` runs every test.
# Both build the pinned Temporal CLI into .tools/bin on first use (unless
# `temporal` is on PATH); `make test` also installs Debian's Chromium for the
# console's browser test if it is missing.

# Keep in step with devserver.CLIVersion (a test checks).
TEMPORAL_VERSION := v1.5.1
TEMPORAL := .tools/bin/temporal
GO ?= go
# Packages whose tests need no Temporal server.
SERVERLESS_PACKAGES := ./post/ ./policy/ ./businesshours/ ./casestate/ ./dispatch/ ./journey/ ./slareport/ \
	./workflows/ ./triage/ ./intake/ ./ingest/ ./publish/ ./internal/jsonl/

.PHONY: dev test temporal build fuzz bench faults

dev: temporal
	$(GO) run ./cmd/switchboard dev

test: temporal
	sh scripts/ensure-chromium.sh
	SWITCHBOARD_REQUIRE_TEMPORAL=1 SWITCHBOARD_REQUIRE_BROWSER=1 $(GO) test -count=1 -timeout 25m ./...
	@# Again in a time zone far from UTC (+14h): no test may depend on the machine's.
	TZ=Pacific/Kiritimati $(GO) test -count=1 $(SERVERLESS_PACKAGES)

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
	SWITCHBOARD_REQUIRE_TEMPORAL=1 $(GO) test -tags faults -count=1 -v ./faults/

build:
	$(GO) build -o bin/ ./cmd/switchboard ./worker ./starter

temporal:
	@if [ -x $(TEMPORAL) ] || command -v temporal >/dev/null 2>&1; then :; else \
		echo "building the Temporal CLI $(TEMPORAL_VERSION) into .tools/bin (once; a few minutes)"; \
		GOBIN=$(CURDIR)/.tools/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION); \
	fi
