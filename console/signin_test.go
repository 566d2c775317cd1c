package console

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-care/switchboard/config"
)

// behindProxy trusts the test's loopback peer as a proxy, so each browser
// can be given its own address with forwardedFor.
func behindProxy(cfg *config.Config) { cfg.Console.TrustedProxies = []string{"127.0.0.1", "::1"} }

// loginForm is a browser holding a fresh sign-in form's token, ready to post.
type loginForm struct {
	b     *browser
	token string
}

func (b *browser) loginForm() loginForm { return loginForm{b, b.token("/login")} }

func (l loginForm) post(agent, password string) (*http.Response, string) {
	return l.b.do("POST", "/login", url.Values{"csrf": {l.token}, "agent": {agent}, "password": {password}, "next": {"/inbox"}})
}

// 40 attempts at once for one agent: every one is counted before its
// password is checked, so no more than the free attempts are checked at
// all: the right password wins only if it was one of those, never after.
func TestConcurrentSignInAttemptsCannotSlipPastTheLimit(t *testing.T) {
	now := t0
	f := newFixture(t, Options{Now: func() time.Time { return now }})
	const attempts, right = 40, 35 // the right password is the 36th
	forms := make([]loginForm, attempts)
	for i := range forms {
		forms[i] = f.browser().loginForm()
	}
	statuses := make([]int, attempts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, form := range forms {
		wg.Go(func() {
			password := "guess"
			if i == right {
				password = demoPassword
			}
			<-start
			resp, _ := form.post("sofia", password)
			statuses[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, st := range statuses {
		switch st {
		case http.StatusUnauthorized, http.StatusSeeOther:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("unexpected status %d in %v", st, statuses)
		}
	}
	if checked > freeAttempts {
		t.Fatalf("%d passwords checked in a burst of %d (at most %d may be): %v", checked, attempts, freeAttempts, statuses)
	}
	// The clock has not moved: the back-off still holds, right password or not.
	if statuses[right] != http.StatusSeeOther {
		resp, _ := f.browser().loginForm().post("sofia", demoPassword)
		wantStatus(t, resp, http.StatusTooManyRequests)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("a refusal without Retry-After")
		}
	}
	now = now.Add(maxBackoff)
	resp, _ := f.browser().loginForm().post("sofia", demoPassword)
	wantStatus(t, resp, http.StatusSeeOther)
}

// A stranger hammering an agent's id from their own addresses backs off
// themselves; the agent, from theirs, still signs in at once (slowed at
// most by maxSlowdown).
func TestAStrangerCannotLockAnAgentOut(t *testing.T) {
	now := t0
	f := newFixtureWith(t, Options{Now: func() time.Time { return now }}, behindProxy)
	stranger := func(address string) *browser { b := f.browser(); b.forwardedFor = address; return b }
	// Enough addresses to pass slowAfter, so the agent's sign-in is slowed too.
	addresses := []string{"203.0.113.7", "203.0.113.8", "203.0.113.9", "203.0.113.10", "2001:db8::1", "198.18.0.1"}
	for _, address := range addresses {
		for i := range freeAttempts + 5 {
			resp, _ := stranger(address).loginForm().post("sofia", "guess")
			want := http.StatusUnauthorized
			if i >= freeAttempts {
				want = http.StatusTooManyRequests
			}
			wantStatus(t, resp, want)
		}
	}
	// Another host in the same IPv6 /64 is the same stranger.
	resp, _ := stranger("2001:db8::2").loginForm().post("sofia", demoPassword)
	wantStatus(t, resp, http.StatusTooManyRequests)

	sofia := f.browser()
	sofia.forwardedFor = "198.51.100.20"
	began := time.Now()
	resp, _ = sofia.loginForm().post("sofia", demoPassword)
	wantStatus(t, resp, http.StatusSeeOther)
	if took := time.Since(began); took > maxSlowdown+5*time.Second {
		t.Fatalf("the real agent's sign-in took %s", took)
	}
	resp, _ = sofia.get("/inbox")
	wantStatus(t, resp, http.StatusOK)
}

var (
	csrfValue  = regexp.MustCompile(`name="csrf" value="[^"]+"`)
	agentValue = regexp.MustCompile(`name="agent"[^>]*value="[^"]*"`)
)

// A known id and an unknown one get the same answer: the same status, the
// same page (but for the id typed in), about as long to come, and the same
// refusal once the attempts are used up.
func TestSignInDoesNotTellWhichAgentsExist(t *testing.T) {
	f := newFixtureWith(t, Options{}, behindProxy)
	attempt := func(id, address string) (int, string, time.Duration) {
		b := f.browser()
		b.forwardedFor = address
		form := b.loginForm()
		began := time.Now()
		resp, page := form.post(id, "wrong password")
		took := time.Since(began)
		page = csrfValue.ReplaceAllString(page, "csrf")
		page = agentValue.ReplaceAllString(page, "agent")
		return resp.StatusCode, strings.ReplaceAll(page, id, "ID"), took
	}
	known := []string{"sam", "sofia", "sid", "maya", "priya", "paul", "sam", "sofia", "sid"}
	unknown := []string{"samm", "nobody", "ghost", "mayaa", "prya", "pauls", "samm", "nobody", "ghost"}
	var knownTimes, unknownTimes []time.Duration
	var wantPage string
	for i := range known {
		address := "192.0.2." + string(rune('1'+i))
		ks, kp, kt := attempt(known[i], address)
		us, up, ut := attempt(unknown[i], address)
		if ks != http.StatusUnauthorized || us != ks {
			t.Fatalf("%s answers %d, %s answers %d", known[i], ks, unknown[i], us)
		}
		if wantPage == "" {
			wantPage = kp
		}
		if kp != wantPage || up != wantPage {
			t.Fatalf("pages differ:\n%s\n---\n%s", kp, up)
		}
		knownTimes, unknownTimes = append(knownTimes, kt), append(unknownTimes, ut)
	}
	k, u := median(knownTimes), median(unknownTimes)
	if k > 2*u || u > 2*k {
		t.Fatalf("a known id takes %s, an unknown one %s", k, u)
	}
	// Using up the attempts looks the same too.
	for _, id := range []string{"sofia", "nobody"} {
		var statuses []int
		for range freeAttempts + 1 {
			st, _, _ := attempt(id, "198.51.100.99")
			statuses = append(statuses, st)
		}
		if want := append(slices.Repeat([]int{http.StatusUnauthorized}, freeAttempts), http.StatusTooManyRequests); !slices.Equal(statuses, want) {
			t.Fatalf("%s: %v, want %v", id, statuses, want)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func TestTheClientAddressComesOnlyFromTrustedProxies(t *testing.T) {
	s := &server{}
	cfg := config.Console{TrustedProxies: []string{"10.0.0.0/8", "127.0.0.1"}}
	var err error
	if s.proxies, err = cfg.Proxies(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ peer, forwarded, want string }{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "198.51.100.1", "192.0.2.1"}, // not a proxy: its header proves nothing
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"127.0.0.1:5000", "198.51.100.1, 10.1.2.3", "198.51.100.1"}, // through two proxies
		{"127.0.0.1:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},  // the client's own claim is ignored
		{"127.0.0.1:5000", "", "127.0.0.1"},                          // the proxy itself
		{"127.0.0.1:5000", "not-an-address", "127.0.0.1"},            // garbage stops the walk
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},      // a host's whole /64
		{"[::ffff:192.0.2.9]:443", "", "192.0.2.9"},                  // IPv4 in IPv6
		{"127.0.0.1:5000", "2001:db8::1", "2001:db8::/64"},
	} {
		r := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		if got := s.clientAddress(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.forwarded, got, c.want)
		}
	}
}

// Every form of /login?next= that could leave the console falls back to the
// inbox, and the Location a sign-in answers with is a path of this origin.
func TestSignInReturnsOnlyToThePagesOfTheConsole(t *testing.T) {
	leaving := []string{
		"/x/../%5Cevil.example", "/x/..%2F%5Cevil.example", "//evil.example/", "///evil.example", "/\\evil.example",
		"\\\\evil.example", "/%5Cevil.example", "/%5cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example",
		"/%2f/evil.example", "/\t/evil.example", "/\n/evil.example", "\t//evil.example", "/%09/evil.example",
		"/%0a/evil.example", "/%0d%0aLocation:%20//evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
		" javascript:alert(1)", "/%2e%2e/%5Cevil.example", "/inbox/%2e%2e/%2e%2e//evil.example", "/inbox/../..//evil.example",
		"/case/../\\evil.example", "https://evil.example/", "http:/evil.example", "http:evil.example", "//@evil.example",
		"/\u3000/evil.example", "/login", "/login?next=//evil.example", "", "inbox", "/inbox#x", "/case/", "/unknown",
	}
	staying := map[string]string{
		"/inbox":                 "/inbox",
		"/inbox?dept=support":    "/inbox?dept=support",
		"/case/case/x/1?a=b":     "/case/case/x/1?a=b",
		"/case/case/x/a%2Fb":     "/case/case/x/a%2Fb",
		"/approvals":             "/approvals",
		"/case/case/x/1?next=//": "/case/case/x/1?next=//",
	}
	for _, next := range leaving {
		if got := safeNext(next); got != "/inbox" {
			t.Errorf("safeNext(%q) = %q, want /inbox", next, got)
		}
	}
	for next, want := range staying {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
	// Through the real pages: the sign-in form keeps only a safe next, and
	// a signed-in agent sent to /login is redirected to a path of this
	// origin (the same safeNext as after signing in, without a bcrypt each).
	f := newFixture(t, Options{})
	origin, _ := url.Parse(f.srv.URL)
	nextField := regexp.MustCompile(`name="next" value="([^"]*)"`)
	signedIn := f.browser().signedIn("sam")
	for _, next := range append(leaving, "/case/case/x/1?a=b") {
		_, page := f.browser().get("/login?next=" + url.QueryEscape(next))
		m := nextField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no next field for %q", next)
		}
		resp, _ := signedIn.get("/login?next=" + url.QueryEscape(next))
		wantStatus(t, resp, http.StatusSeeOther)
		loc := resp.Header.Get("Location")
		target, err := origin.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\\\t\r\n") ||
			target.Host != origin.Host || target.Scheme != origin.Scheme {
			t.Errorf("next %q: Location %q leaves %s", next, loc, origin.Host)
		}
		if slices.Contains(leaving, next) && (loc != "/inbox" || m[1] != "/inbox") {
			t.Errorf("next %q: form keeps %q, Location %q", next, m[1], loc)
		}
	}
	// And the answer to signing in, for the issue's own example.
	b := f.browser()
	tok := b.token("/login")
	resp, _ := b.do("POST", "/login", url.Values{"csrf": {tok}, "agent": {"sam"}, "password": {demoPassword}, "next": {"/x/../%5Cevil.example"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/inbox" {
		t.Fatalf("signed in and sent to %q", loc)
	}
}

func TestCookiesAreSecureUnlessTheConsoleIsOnLoopback(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		listen   string
		override *bool
		want     bool
	}{
		{"127.0.0.1:8080", nil, false},
		{"localhost:8080", nil, false},
		{"[::1]:8080", nil, false},
		{"0.0.0.0:8080", nil, true},
		{":8080", nil, true},
		{"console.internal:8080", nil, true},
		{"0.0.0.0:8080", &no, false},
		{"127.0.0.1:8080", &yes, true},
	} {
		f := newFixtureWith(t, Options{}, func(cfg *config.Config) {
			cfg.Console.Listen, cfg.Console.SecureCookie = c.listen, c.override
		})
		// A plain client: a cookie jar would rightly keep Secure cookies
		// from this plain-HTTP test server.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(f.srv.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cookies := resp.Cookies()
		form := url.Values{"csrf": {csrfField.FindStringSubmatch(string(page))[1]}, "agent": {"sam"}, "password": {demoPassword}}
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookies[0])
		if resp, err = client.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantStatus(t, resp, http.StatusSeeOther)
		cookies = append(cookies, resp.Cookies()...)
		if len(cookies) < 3 { // the form's, its removal, the session's
			t.Fatalf("%s: cookies %v", c.listen, cookies)
		}
		for _, ck := range cookies {
			if ck.Secure != c.want {
				t.Errorf("listen %s, override %v: cookie %s Secure %t", c.listen, c.override, ck.Name, ck.Secure)
			}
		}
	}
}

// Whatever next is, safeNext answers a path of this console that it would
// answer again unchanged: no host, no backslash or control character, and
// nothing cleaning would change.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/x/../%5Cevil.example", "//evil", "/case/case/x/1?a=b", "/%2e%2e/", "javascript:x", "/inbox#a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.ContainsFunc(got, func(r rune) bool { return r == '\\' || r < ' ' || r == 0x7f }) || safeNext(got) != got {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
	})
}

// Whatever a proxy forwards, the address counted is a valid address or /64.
func FuzzClientAddress(f *testing.F) {
	f.Add("198.51.100.1, 10.1.2.3")
	f.Add("2001:db8::1,,x")
	s := &server{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}}
	f.Fuzz(func(t *testing.T, forwarded string) {
		r := &http.Request{RemoteAddr: "127.0.0.1:5000", Header: http.Header{"X-Forwarded-For": {forwarded}}}
		got := s.clientAddress(r)
		if _, err := netip.ParseAddr(got); err != nil {
			if _, err := netip.ParsePrefix(got); err != nil {
				t.Fatalf("X-Forwarded-For %q counted as %q", forwarded, got)
			}
		}
	})
}
