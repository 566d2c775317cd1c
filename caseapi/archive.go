package caseapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/switchboard-care/switchboard/journey"
	"github.com/switchboard-care/switchboard/workflows"
)

// A case whose run completed is deleted from Temporal when the namespace's
// retention runs out; a namespace that archives (filestore, on the local
// cluster and on a volume in docker-compose) keeps its history and
// visibility record first. These read them, so case show, the journey export and the SLA
// report give the whole record for as long as the archive keeps it.

// archived lists the visibility archive's records that query names, in
// the archive's own narrow language (WorkflowType, WorkflowId, RunId,
// CloseTime, ExecutionStatus; no search attributes), or none where the
// namespace does not archive (the dev server, which keeps cases long
// instead).
func (c *Client) archived(ctx context.Context, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	var aliases map[string]string
	for {
		resp, err := c.Temporal.ListArchivedWorkflow(ctx, &workflowservice.ListArchivedWorkflowExecutionsRequest{
			Query: query, PageSize: 1000, NextPageToken: token,
		})
		var notArchiving *serviceerror.InvalidArgument
		if errors.As(err, &notArchiving) && strings.Contains(notArchiving.Message, "not configured for visibility archival") {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list archived cases (%s): %w", query, err)
		}
		if aliases == nil && len(resp.GetExecutions()) > 0 {
			if aliases, err = c.searchAttributeAliases(ctx); err != nil {
				return nil, err
			}
		}
		for _, e := range resp.GetExecutions() {
			named(e, aliases)
		}
		out = append(out, resp.GetExecutions()...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// searchAttributeAliases maps the visibility store's own names of the
// namespace's search attributes (Keyword01 on SQL) to theirs (CustomerId).
func (c *Client) searchAttributeAliases(ctx context.Context) (map[string]string, error) {
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	d, err := c.Temporal.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		return nil, fmt.Errorf("describe namespace %s: %w", ns, err)
	}
	return d.GetConfig().GetCustomSearchAttributeAliases(), nil
}

// named renames an archived record's search attributes as visibility
// names them: the archive keeps the store's names.
func named(e *workflowpb.WorkflowExecutionInfo, aliases map[string]string) {
	fields := e.GetSearchAttributes().GetIndexedFields()
	for field, alias := range aliases {
		if v, ok := fields[field]; ok {
			delete(fields, field)
			fields[alias] = v
		}
	}
}

// archivedRun is the run of case id that the archive holds last; empty if
// it holds none.
func (c *Client) archivedRun(ctx context.Context, id string) (string, error) {
	if strings.ContainsAny(id, `'\`) { // no case id has them, and they would end the query's string
		return "", nil
	}
	runs, err := c.archived(ctx, fmt.Sprintf("WorkflowType = '%s' AND WorkflowId = '%s'", workflows.CaseWorkflowName, id))
	if err != nil || len(runs) == 0 {
		return "", err
	}
	newest := slices.MaxFunc(runs, func(a, b *workflowpb.WorkflowExecutionInfo) int {
		return a.GetCloseTime().AsTime().Compare(b.GetCloseTime().AsTime())
	})
	return newest.GetExecution().GetRunId(), nil
}

// archivedCasesOf are the cases of the customer's handles that only the
// archive still holds. The archive cannot be asked by customer, so this
// reads every archived case's record: the journey export asks only for a
// customer Temporal knows nothing of any more (no journey, no retained case).
func (c *Client) archivedCasesOf(ctx context.Context, who journey.Identity) ([]Summary, error) {
	all, err := c.archived(ctx, fmt.Sprintf("WorkflowType = '%s'", workflows.CaseWorkflowName))
	if err != nil {
		return nil, err
	}
	handles := who.Handles()
	var out []Summary
	seen := map[string]bool{}
	for _, e := range newestFirst(all) {
		s := summaryOf(e)
		if slices.Contains(handles, s.CustomerID) && !seen[s.CaseID] {
			seen[s.CaseID] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// ArchivedCasesOpenedSince lists the ids of the cases opened at or after
// since that only the archive still holds (a case that opened then closed
// after it), each once.
func (c *Client) ArchivedCasesOpenedSince(ctx context.Context, since time.Time) ([]string, error) {
	all, err := c.archived(ctx, fmt.Sprintf("WorkflowType = '%s' AND CloseTime >= '%s'", workflows.CaseWorkflowName, since.UTC().Format(time.RFC3339Nano)))
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range all {
		if s := summaryOf(e); !s.OpenedAt.Before(since) && !seen[s.CaseID] {
			seen[s.CaseID] = true
			ids = append(ids, s.CaseID)
		}
	}
	return ids, nil
}

// newestFirst orders records by close time, newest first.
func newestFirst(runs []*workflowpb.WorkflowExecutionInfo) []*workflowpb.WorkflowExecutionInfo {
	slices.SortFunc(runs, func(a, b *workflowpb.WorkflowExecutionInfo) int {
		return b.GetCloseTime().AsTime().Compare(a.GetCloseTime().AsTime())
	})
	return runs
}

// openedSinceQuery lists the cases opened at or after since, each once (a
// case that continued as new has a closed run per continuation, all
// started later than the case; cases from before OpenedAt have only their
// start); the same text works in the Web UI and `temporal workflow list`.
func openedSinceQuery(since time.Time) string {
	at := since.UTC().Format(time.RFC3339Nano)
	return fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus != 'ContinuedAsNew' AND (%s >= '%s' OR (%s IS NULL AND StartTime >= '%s'))",
		workflows.CaseWorkflowName, workflows.SAOpenedAt.GetName(), at, workflows.SAOpenedAt.GetName(), at)
}

// CasesOpenedSince lists the ids of every case opened at or after since,
// retained or archived, each once and sorted: a reopened case has a run
// per reopen, and a case may be both retained and archived.
func (c *Client) CasesOpenedSince(ctx context.Context, since time.Time) ([]string, error) {
	var ids []string
	var token []byte
	for {
		resp, err := c.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: openedSinceQuery(since), NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return nil, fmt.Errorf("list cases (%s): %w", openedSinceQuery(since), err)
		}
		for _, e := range resp.Executions {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	archived, err := c.ArchivedCasesOpenedSince(ctx, since)
	if err != nil {
		return nil, err
	}
	ids = append(ids, archived...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
