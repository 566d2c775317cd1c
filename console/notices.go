package console

import (
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/switchboard-care/switchboard/notify"
	"github.com/switchboard-care/switchboard/policy"
)

// shownNotices is how many of an agent's newest notices the bell lists.
const shownNotices = 20

type noticeRow struct {
	notify.InApp
	URL string
	Ago string
}

// notices is the bell's list, newest first: what switchboard told the
// agent (assigned to them, escalated to them, a draft to approve, a
// breach), fetched by the page's refresh.
func (s *server) notices(w http.ResponseWriter, r *http.Request, _ session, agent policy.Agent) {
	list, err := notify.Latest(r.Context(), s.store, agent.ID, shownNotices)
	if err != nil {
		s.log.Warn("notices: shared store", zap.Error(err))
		http.Error(w, "could not read the notices", http.StatusBadGateway)
		return
	}
	now := s.now()
	rows := make([]noticeRow, 0, len(list))
	for _, n := range list {
		rows = append(rows, noticeRow{InApp: n, URL: caseURL(n.CaseID), Ago: ago(n.At, now)})
	}
	s.execute(w, r, http.StatusOK, "inbox", "notices", rows)
}

// noticeTime is a notice's time as the page compares it, as text, with the
// last one the agent saw: of fixed width, so text order is time order.
func noticeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }
