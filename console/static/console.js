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
        if (html === null) { return; }
        // The lead's choices survive the refresh.
        var chosen = Array.from(body.querySelectorAll('input[name="case"]:checked'), function (c) { return c.value; });
        body.innerHTML = html;
        body.querySelectorAll('input[name="case"]').forEach(function (c) { c.checked = chosen.indexOf(c.value) >= 0; });
        body.dispatchEvent(new Event("change", { bubbles: true }));
        mark(true);
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

// Canned replies: choosing one puts its text (already filled in for this
// case) into the reply box, at the cursor, to edit before sending. Browsing
// with the arrow keys (a closed select changes on each) swaps the text in
// place; Tab goes on to the reply box, after it.
(function () {
  "use strict";
  document.querySelectorAll("select[data-canned]").forEach(function (sel) {
    var area = sel.form.querySelector('textarea[name="text"]');
    var placed = null; // {at, text}: the canned text last put in the box
    var keyboard = false;
    function put() {
      var opt = sel.options[sel.selectedIndex];
      var text = (opt && opt.getAttribute("data-text")) || "";
      var at = area.selectionStart || 0, end = area.selectionEnd || 0;
      if (placed && area.value.substr(placed.at, placed.text.length) === placed.text) {
        at = placed.at;
        end = placed.at + placed.text.length;
      }
      area.value = area.value.slice(0, at) + text + area.value.slice(end);
      placed = text ? { at: at, text: text } : null;
      area.dispatchEvent(new Event("input"));
    }
    function onward() {
      area.focus();
      var to = placed ? placed.at + placed.text.length : area.value.length;
      area.setSelectionRange(to, to);
    }
    sel.addEventListener("keydown", function () { keyboard = true; });
    sel.addEventListener("mousedown", function () { keyboard = false; });
    // Tab from the list lands after the text it placed.
    area.addEventListener("focus", function () { if (placed && keyboard) { keyboard = false; onward(); } });
    sel.addEventListener("change", function () {
      put();
      if (!keyboard) { onward(); }
    });
  });
})();

// Keyboard shortcuts (? shows them). Letters act only when no field has
// the focus; Ctrl+Enter (⌘+Enter) sends the form being typed in and Esc
// leaves a field or closes the help.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");
  var body = document.querySelector("#inbox tbody");
  var selected = null; // the inbox row's case id j and k moved to
  var pending = null;  // a shortcut's key, down and not yet up

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function send(form) {
    if (!form) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
  function focus(sel) {
    var el = document.querySelector(sel);
    if (el) { el.focus(); }
  }
  function rows() { return body ? Array.from(body.querySelectorAll("tr[data-case]")) : []; }
  function mark() {
    rows().forEach(function (r) { r.classList.toggle("selected", r.dataset.case === selected); });
  }
  function move(by) {
    var list = rows();
    if (!list.length) { return; }
    var at = list.findIndex(function (r) { return r.dataset.case === selected; });
    at = at < 0 ? (by > 0 ? 0 : list.length - 1) : Math.min(Math.max(at + by, 0), list.length - 1);
    selected = list[at].dataset.case;
    mark();
    list[at].scrollIntoView({ block: "nearest" });
  }
  function open() {
    var row = rows().find(function (r) { return r.dataset.case === selected; });
    var link = row && row.querySelector("a");
    if (link) { window.location.href = link.href; }
  }
  if (body) { new MutationObserver(mark).observe(body, { childList: true }); } // the live refresh replaced the rows
  var show = document.querySelector("[data-show-keys]");
  if (show && help) { show.addEventListener("click", function () { help.hidden = false; }); }

  function has(sel) { return function () { return !!document.querySelector(sel); }; }
  function always() { return true; }
  function picked() { return !!selected; }
  // Each key: whether it applies on this page now, and what it does.
  var keys = {
    "?": [function () { return !!help; }, function () { help.hidden = !help.hidden; }],
    "/": [has("[data-search]"), function () { focus("[data-search]"); }],
    "j": [function () { return !!body; }, function () { move(1); }],
    "k": [function () { return !!body; }, function () { move(-1); }],
    "o": [picked, open],
    "Enter": [picked, open],
    "i": [always, function () { window.location.href = "/inbox"; }],
    "b": [always, function () { window.location.href = "/board"; }],
    "c": [has('form[data-action="claim"]'), function () { send(document.querySelector('form[data-action="claim"]')); }],
    "r": [has('form[data-action="reply"] textarea'), function () { focus('form[data-action="reply"] textarea'); }],
    "t": [has("select[data-canned]"), function () { focus("select[data-canned]"); }],
    "n": [has('form[data-action="note"] textarea'), function () { focus('form[data-action="note"] textarea'); }],
    "e": [has('form[data-action="resolve"] textarea'), function () { focus('form[data-action="resolve"] textarea'); }],
    "h": [has('form[data-action="handoff"] select'), function () { focus('form[data-action="handoff"] select'); }]
  };

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target.form) {
      e.preventDefault();
      send(e.target.form);
      return;
    }
    if (e.key === "Escape") {
      if (help && !help.hidden) { help.hidden = true; } else if (typing(e.target)) { e.target.blur(); }
      return;
    }
    // A focused link or button keeps its own Enter; a field its letters.
    var interactive = typing(e.target) || e.target.tagName === "A" || e.target.tagName === "BUTTON";
    if (interactive || e.ctrlKey || e.metaKey || e.altKey || !keys[e.key] || !keys[e.key][0]()) { return; }
    e.preventDefault();
    pending = e.key;
  });
  // A shortcut acts when its key comes up, so the key's own character
  // never lands in the field it moves the focus to.
  document.addEventListener("keyup", function (e) {
    if (e.key !== pending) { return; }
    pending = null;
    keys[e.key][1]();
  });
})();

// The bulk bar counts the chosen cases.
(function () {
  "use strict";
  var count = document.querySelector("[data-bulk-count]");
  var table = document.getElementById("inbox");
  if (!count || !table) { return; }
  function update() { count.textContent = table.querySelectorAll('input[name="case"]:checked').length + " chosen"; }
  table.addEventListener("change", update);
  update();
})();

// The bell: the agent's notices, fetched every few seconds while the tab is
// visible; the count is of those newer than the last the agent opened,
// remembered in this browser.
(function () {
  "use strict";
  var list = document.querySelector("ol[data-notices]");
  var toggle = document.querySelector("[data-notices-toggle]");
  var count = document.querySelector("[data-notice-count]");
  if (!list || !toggle || !count || !window.fetch) { return; }
  var key = "switchboard.notices.seen";
  var every = parseInt((document.querySelector("tbody[data-refresh]") || list).getAttribute("data-every"), 10) || 5000;
  function newest() {
    var first = list.querySelector("li[data-at]");
    return first ? first.getAttribute("data-at") : "";
  }
  function mark() {
    var seen = localStorage.getItem(key) || "";
    var fresh = Array.from(list.querySelectorAll("li[data-at]")).filter(function (li) { return li.getAttribute("data-at") > seen; }).length;
    count.textContent = String(fresh);
    count.hidden = fresh === 0;
  }
  function refresh() {
    if (document.hidden) { return; }
    fetch("/notices", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { list.innerHTML = html; mark(); } })
      .catch(function () {});
  }
  toggle.addEventListener("click", function () {
    list.hidden = !list.hidden;
    toggle.setAttribute("aria-expanded", String(!list.hidden));
    if (!list.hidden && newest()) { localStorage.setItem(key, newest()); mark(); }
  });
  refresh();
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
})();
