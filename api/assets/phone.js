// The volunteer's phone page (api/src/phone.rs). A tap becomes an event with
// a name of its own (event_id), is kept in the phone's storage at once, and
// is sent in order; an event leaves the queue only when the server answered
// it (recorded, or refused with a reason). Sent again after a lost answer,
// the server records it once. No connection: the queue waits and is sent
// when the connection returns, or when the page is opened again.
(function () {
  "use strict";
  var main = document.getElementById("stops");
  if (!main) return;
  var d = main.dataset;
  var KEY = "lastmile-queue-" + d.plan + "-" + d.squad;
  var net = document.getElementById("net");
  var banner = document.getElementById("banner");
  var sending = false;
  var position = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(q) {
    try { localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) { /* storage full: kept in memory */ }
    memory = q;
  }
  var memory = load();
  function queue() { var q = load(); return q.length || !memory.length ? q : memory; }

  function uid() {
    if (window.crypto && crypto.getRandomValues) {
      var a = new Uint8Array(12);
      crypto.getRandomValues(a);
      return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function now() {
    var t = new Date();
    function p(n) { return ("0" + n).slice(-2); }
    return p(t.getHours()) + ":" + p(t.getMinutes()) + ":" + p(t.getSeconds());
  }
  function cardOf(request) {
    return request ? main.querySelector('section[data-request="' + CSS.escape(request) + '"]') : null;
  }
  function mark(ev, text) {
    var card = cardOf(ev.request);
    if (!card) return;
    var s = card.querySelector(".state");
    if (s) s.textContent = text;
    card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    card.classList.add("done");
  }
  function showNet(text) {
    if (!net) return;
    net.hidden = !text;
    net.textContent = text || "";
  }

  function send() {
    if (sending) return;
    var q = queue();
    if (!q.length) { showNet(""); return; }
    sending = true;
    var ev = q[0];
    fetch(d.post, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ev),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      sending = false;
      if (res.status >= 500) { showNet(d.queued + " (" + q.length + ")"); setTimeout(send, 15000); return; }
      var rest = queue().filter(function (x) { return x.event_id !== ev.event_id; });
      save(rest);
      if (res.status < 300) {
        mark(ev, "✓ " + d.sent + " " + ev.at.slice(0, 5));
      } else {
        var msg = (res.body && res.body.error && res.body.error.message) || res.status;
        mark(ev, d.failed + msg);
      }
      send();
    }).catch(function () {
      sending = false;
      showNet(d.queued + " (" + queue().length + ")");
    });
  }

  function tap(button) {
    var card = button.closest("section");
    var ev = { event: button.dataset.event, at: now(), event_id: uid() };
    if (card && card.dataset.request) ev.request = card.dataset.request;
    if (button.dataset.reason) ev.reason = button.dataset.reason;
    if (position) { ev.lat = position[0]; ev.lon = position[1]; }
    var q = queue();
    q.push(ev);
    save(q);
    if (card && card.dataset.request) mark(ev, d.queued);
    else button.disabled = true;
    send();
  }

  main.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-event]");
    if (b && !b.disabled) tap(b);
  });
  window.addEventListener("online", send);
  window.addEventListener("focus", send);
  setInterval(send, 30000);

  // Taps still queued from before: show them as such, then send.
  queue().forEach(function (ev) { mark(ev, d.queued); });
  send();

  // Where the squad is, if the phone allows: sent with each tap.
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      position = [Math.round(p.coords.latitude * 1e6) / 1e6, Math.round(p.coords.longitude * 1e6) / 1e6];
    }, function () {}, { maximumAge: 300000, timeout: 10000 });
  }

  // The sheet changed (the desk moved a stop): say so.
  function checkVersion() {
    fetch(d.versionUrl, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (v) {
      if (banner && (v.plan !== d.plan || String(v.sheet_version) !== d.version)) banner.hidden = false;
    }).catch(function () {});
  }
  setInterval(checkVersion, 60000);
})();
