package archtest

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// domain are the packages that hold the rules; the workflows feed them. The
// domain is plain Go: only the Temporal layer (workflows, activities,
// caseapi, the worker) knows Temporal.
var domain = []string{"post", "policy", "businesshours", "casestate", "triage", "dispatch", "journey", "slareport", "whatif", "spike", "incident", "learning", "learning/retrain", "assertion"}

// binaries are the module's commands.
var binaries = []string{"cmd/switchboard", "worker", "starter"}

const module = "github.com/switchboard-care/switchboard/"

// The metrics pipeline: switchboard's own code names its metrics
// (internal/metrics/metricname) and only the process wiring links these.
var metricsPipeline = under("github.com/prometheus", "go.opentelemetry.io")

// TestDomainIsPlainGo fails when a domain package depends on Temporal or the
// metrics pipeline, directly or through another package, or when a package
// of ours it depends on speaks HTTP. (net/http itself is linked by the
// logger, zap, for its level endpoint: only our own imports of it count.)
func TestDomainIsPlainGo(t *testing.T) {
	for _, pkg := range domain {
		forbid(t, pkg, under("go.temporal.io"), anyImporter)
		forbid(t, pkg, metricsPipeline, anyImporter)
		forbid(t, pkg, under("net/http"), ourImporters)
	}
}

// TestWorkflowsLinkNoHTTPNorMetricsPipeline fails when the workflows reach
// an adapter: the metrics exporters, or a package of ours that speaks HTTP
// (the Temporal SDK's gRPC links net/http; that is not ours to change).
func TestWorkflowsLinkNoHTTPNorMetricsPipeline(t *testing.T) {
	forbid(t, "workflows", metricsPipeline, anyImporter)
	forbid(t, "workflows", under("net/http"), ourImporters)
}

// TestConfigImportsNoAdapter fails when the configuration depends on what it
// configures: the adapters import config, never the other way round (and
// the workflows' tests load the configuration, so the reverse would be a
// cycle).
func TestConfigImportsNoAdapter(t *testing.T) {
	adapters := under(module+"intake", module+"bulkimport", module+"caseapi", module+"workflows", module+"activities",
		module+"console", module+"publish/platform", module+"internal/app", module+"internal/cli")
	forbid(t, "config", adapters, anyImporter)
}

// TestBinariesDoNotLinkTesting fails when a package of ours in a binary
// imports package testing: test helpers live in packages only tests import
// (stacktest, devservertest). The Temporal SDK's internal package imports
// testing itself; that is not ours to change.
func TestBinariesDoNotLinkTesting(t *testing.T) {
	for _, bin := range binaries {
		forbid(t, bin, under("testing"), ourImporters)
	}
}

// TestAPostsPathGoesOneWay fails when a post's path doubles back: the
// edges (intake, bulk import, the console) reach cases only through
// caseapi, never Temporal's client themselves, and nothing the worker runs
// calls back into caseapi.
func TestAPostsPathGoesOneWay(t *testing.T) {
	for _, edge := range []string{"intake", "bulkimport", "console"} {
		forbid(t, edge, under("go.temporal.io"), itself)
	}
	for _, inner := range []string{"workflows", "activities"} {
		forbid(t, inner, under(module+"caseapi"), anyImporter)
	}
}

// importers says whose imports a rule counts.
type importers int

const (
	anyImporter  importers = iota // every package pkg depends on
	ourImporters                  // only this module's packages
	itself                        // only pkg's own imports
)

// forbid fails t for each package pkg depends on that makes imports
// isForbidden matches, naming them and the chain of imports from pkg to
// that package.
func forbid(t *testing.T, pkg string, isForbidden func(string) bool, who importers) {
	t.Helper()
	graph := imports(t)
	root := module + pkg
	if _, ok := graph[root]; !ok {
		t.Fatalf("go list does not know %s", root)
	}
	// Breadth first, so the chain reported is a shortest one; a forbidden
	// package is not entered: what it imports is its own affair.
	via := map[string]string{root: ""}
	for queue := []string{root}; len(queue) > 0; queue = queue[1:] {
		importer := queue[0]
		var bad []string
		for _, imp := range graph[importer] {
			if isForbidden(imp) {
				bad = append(bad, short(imp))
				continue
			}
			if _, seen := via[imp]; !seen {
				via[imp] = importer
				queue = append(queue, imp)
			}
		}
		counts := who == anyImporter || (who == ourImporters && strings.HasPrefix(importer, module)) || (who == itself && importer == root)
		if len(bad) > 0 && counts {
			t.Errorf("%s depends on %s, imported by %s (%s)", pkg, strings.Join(bad, ", "), short(importer), chain(via, importer))
		}
	}
}

// chain is the imports from the root of via down to pkg, "a → b → c".
func chain(via map[string]string, pkg string) string {
	var path []string
	for p := pkg; p != ""; p = via[p] {
		path = append(path, short(p))
	}
	slices.Reverse(path)
	return strings.Join(path, " → ")
}

func short(pkg string) string { return strings.TrimPrefix(pkg, module) }

// under matches each of paths and the packages below it.
func under(paths ...string) func(string) bool {
	return func(pkg string) bool {
		for _, p := range paths {
			if pkg == p || strings.HasPrefix(pkg, p+"/") {
				return true
			}
		}
		return false
	}
}

// imports maps every package the module's packages depend on (and theirs)
// to the packages it imports directly, tests excluded, as go list resolves
// them for a build. It is read once for all the tests.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	graph, err := loadImports()
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

var loadImports = sync.OnceValues(func() (map[string][]string, error) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").Output()
	if exit, ok := err.(*exec.ExitError); ok {
		return nil, fmt.Errorf("go list: %w\n%s", err, exit.Stderr)
	}
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	graph := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		graph[fields[0]] = fields[1:]
	}
	return graph, nil
})
