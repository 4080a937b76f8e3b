// Live updates for pages marked data-live: when the node's event stream (the API's /v1/events,
// read with the session cookie) says something arrived or changed, the page fetches itself
// again and swaps in the new <main>. Without JavaScript every page still works; it is reloaded
// by hand.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live || !window.EventSource) return;
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        pending = false;
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var focused = document.activeElement && document.activeElement.closest("form");
        if (fresh && !focused) main.replaceChildren.apply(main, Array.from(fresh.childNodes));
      })
      .catch(function () { pending = false; });
  }
  var events = new EventSource("/v1/events");
  events.onmessage = refresh;
  events.addEventListener("change", refresh);
})();
