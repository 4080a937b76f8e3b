// Live updates for pages marked data-live: when the node's event stream (the API's /v1/events,
// read with the session cookie) says something arrived or changed, the page fetches itself
// again and swaps in the new <main>. Without JavaScript every page still works; it is reloaded
// by hand.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live || !window.EventSource) return;
  // One fetch at a time; an event that arrives meanwhile asks for one more after it, since the
  // fetch under way may have been rendered before that change.
  var pending = false;
  var again = false;
  // What the live updates did, on <main>'s data attributes: a failed browser test prints them.
  var seen = { asked: 0, fetches: 0, failures: 0 };
  function note(what) {
    if (what) seen[what] += 1;
    main.dataset.liveState = JSON.stringify({
      asked: seen.asked, fetches: seen.fetches, failures: seen.failures, pending: pending, again: again,
      stream: events ? events.readyState : -1
    });
  }
  function refresh() {
    note("asked");
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    note("fetches");
    // A fetch that hangs would hold `pending` for good and stop every later update: it is given
    // up after ten seconds, and one that failed is tried again two seconds later.
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 10000);
    var failed = false;
    fetch(window.location.href, {
      credentials: "same-origin", headers: { "Accept": "text/html" }, signal: controller.signal
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var focused = document.activeElement && document.activeElement.closest("form");
        // Swapped only when something changed, so that a refresh that finds nothing new never
        // pulls an element from under the officer's pointer.
        if (fresh && !focused && fresh.innerHTML !== main.innerHTML) {
          main.replaceChildren.apply(main, Array.from(fresh.childNodes));
        }
      })
      .catch(function () {
        failed = true;
        note("failures");
      })
      .finally(function () {
        clearTimeout(timer);
        pending = false;
        note(null);
        if (again) {
          again = false;
          refresh();
        } else if (failed) {
          setTimeout(refresh, 2000);
        }
      });
  }
  var events = null;
  function follow() {
    events = new EventSource("/v1/events");
    // A stream starts after what the node holds when it opens (or reopens): whatever arrived
    // between this page's rendering and that moment is announced by no event, so the page is
    // fetched once more as soon as the stream is open.
    events.onopen = refresh;
    events.onmessage = refresh;
    events.addEventListener("change", refresh);
    events.addEventListener("node", refresh);
    events.onerror = function () { note(null); };
  }
  follow();
  // A page left for another is closed, stream and all: kept open in the browser's back-forward
  // cache, each left page's stream would hold one of the few connections a browser opens to a
  // host, until the next page's stream and fetches wait for ever. Shown again, it follows anew.
  window.addEventListener("pagehide", function () {
    if (events) events.close();
    events = null;
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !events) follow();
  });
})();
