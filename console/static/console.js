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
    live.textContent = ok ? "live · updated " + new Date().toISOString().slice(11, 19) + " UTC" : "live · cannot reach the console, retrying";
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

// Reply counter: characters as the platform counts them (on X a link is
// 23, whatever its length), against the public or the private limit as
// the private box says. The case checks the same limit when the reply is
// sent; this only tells the agent before.
(function () {
  "use strict";
  var link = /https?:\/\/\S+/g;
  document.querySelectorAll("textarea[data-count-platform]").forEach(function (area) {
    var form = area.form;
    var counter = form.querySelector("[data-counter]");
    var privateBox = form.querySelector('input[name="private"]');
    if (!counter) { return; }
    function length(text) {
      var n = Array.from(text.trim()).length;
      if (area.getAttribute("data-count-platform") === "x") {
        (text.match(link) || []).forEach(function (l) { n += 23 - Array.from(l).length; });
      }
      return n;
    }
    function update() {
      var limit = parseInt(area.getAttribute(privateBox && privateBox.checked ? "data-limit-private" : "data-limit-public"), 10);
      var n = length(area.value);
      counter.textContent = n + " / " + limit + " characters" + (n > limit ? " · " + (n - limit) + " too many" : "");
      counter.classList.toggle("over", n > limit);
    }
    area.addEventListener("input", update);
    if (privateBox) { privateBox.addEventListener("change", update); }
    update();
  });
})();

// Saved views: an inbox's filters are its URL, so a view is a name and a
// URL, kept in this browser (localStorage). Without script the filters
// still work; views are then bookmarks.
(function () {
  "use strict";
  var form = document.querySelector("form[data-filters]");
  if (!form || !window.localStorage) { return; }
  var key = "switchboard.views";
  var list = form.querySelector("[data-views]");
  function load() {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
  }
  function show() {
    list.textContent = "";
    load().forEach(function (v, i) {
      var a = document.createElement("a");
      a.href = v.url;
      a.textContent = v.name;
      a.setAttribute("data-view", v.name);
      var x = document.createElement("button");
      x.type = "button";
      x.className = "link";
      x.textContent = "×";
      x.title = "forget " + v.name;
      x.addEventListener("click", function () {
        var views = load();
        views.splice(i, 1);
        localStorage.setItem(key, JSON.stringify(views));
        show();
      });
      list.appendChild(a);
      list.appendChild(x);
    });
  }
  form.querySelector("[data-save-view]").addEventListener("click", function () {
    var name = window.prompt("Name this view", "");
    if (!name) { return; }
    var views = load().filter(function (v) { return v.name !== name; });
    views.push({ name: name.slice(0, 40), url: window.location.pathname + window.location.search });
    localStorage.setItem(key, JSON.stringify(views));
    show();
  });
  show();
})();
