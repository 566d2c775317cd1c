// Live inbox: re-fetch the table body every few seconds while the tab is
// visible. The server renders the rows (escaped by html/template), so this
// script only swaps them in. Without script the page still works; it just
// needs a reload.
(function () {
  "use strict";
  var body = document.querySelector("tbody[data-refresh]");
  if (!body) { return; }
  var url = body.getAttribute("data-refresh");
  var every = parseInt(body.getAttribute("data-every"), 10) || 5000;
  var live = document.querySelector("[data-live]");
  var busy = false;

  function mark(ok) {
    if (!live) { return; }
    live.classList.toggle("stale", !ok);
    live.textContent = ok ? "live · updated " + new Date().toLocaleTimeString() : "live · cannot reach the console, retrying";
  }

  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; } // signed out: go to sign-in
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        if (html !== null) { body.innerHTML = html; mark(true); }
      })
      .catch(function () { mark(false); })
      .then(function () { busy = false; });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
})();
