// Enhancements only: every page works without this file.
// 1. Live status of login nodes on their way (data-poll): poll the portal's JSON status,
//    update the row, reload once it settles so its actions match the new state.
// 2. Confirmations (data-confirm) before a destructive button's form is sent.
// 3. Copy buttons (data-copy="<element id>").
// 4. SCW Login's hand-off form (data-autosubmit) is sent at once; without JS, its button.
(function () {
  "use strict";

  function poll(node) {
    var url = node.getAttribute("data-poll");
    var delay = 2500;
    function tick() {
      if (document.hidden) { setTimeout(tick, delay); return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
          return r.ok ? r.json() : null;
        })
        .then(function (s) {
          if (!s) { delay = Math.min(delay * 2, 30000); setTimeout(tick, delay); return; }
          var badge = node.querySelector(".portal-status");
          if (badge) { badge.textContent = s.label; }
          var pub = node.querySelector(".portal-public-ip");
          if (pub) { pub.textContent = s.public_ip || "\u2014"; }
          var priv = node.querySelector(".portal-private-ip");
          if (priv) { priv.textContent = s.private_ip || "\u2014"; }
          var reason = node.querySelector(".portal-reason");
          if (reason) { reason.textContent = s.reason || ""; }
          var late = node.querySelector(".portal-overdue");
          if (late) {
            late.textContent = s.overdue || "";
            late.classList.toggle("d-none", !s.overdue);
          }
          if (s.busy) {
            delay = Math.min(delay * 1.3, 15000);
            setTimeout(tick, delay);
          } else if (!document.querySelector("details[open]") &&
                     !(document.activeElement && document.activeElement.form)) {
            window.location.reload();
          }
        })
        .catch(function () { delay = Math.min(delay * 2, 30000); setTimeout(tick, delay); });
    }
    setTimeout(tick, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-poll]"), poll);
    var handoff = document.querySelector("form[data-autosubmit]");
    if (handoff) { handoff.submit(); }
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
      var copy = event.target.closest("[data-copy]");
      if (copy) {
        var source = document.getElementById(copy.getAttribute("data-copy"));
        if (source && navigator.clipboard) {
          navigator.clipboard.writeText(source.textContent.trim()).then(function () {
            copy.textContent = "Copied";
          });
        }
      }
    });
  });
}());
