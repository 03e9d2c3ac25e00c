// The volunteer desk: sign out by itself after a few idle minutes (names are on screen),
// and small keyboard comforts for entering slips with a USB scanner.
(function () {
  "use strict";
  const body = document.body;

  // Idle sign-out. A scanner's keystrokes count as activity, like any key or click.
  const idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  if (idleSeconds > 0 && body.dataset.signout) {
    let timer = null;
    const restart = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = body.dataset.signout; }, idleSeconds * 1000);
    };
    ["keydown", "pointerdown", "input", "wheel"].forEach(function (type) {
      document.addEventListener(type, restart, { passive: true, capture: true });
    });
    restart();
  }

  // The PIN page goes back to the residents' start after the kiosk's idle time.
  const leaveAfter = parseInt(body.dataset.leaveAfter || "0", 10);
  if (leaveAfter > 0 && body.dataset.home) {
    let leaveTimer = null;
    const restartLeave = function () {
      clearTimeout(leaveTimer);
      leaveTimer = setTimeout(function () { window.location.replace(body.dataset.home); }, leaveAfter * 1000);
    };
    ["keydown", "pointerdown", "input"].forEach(function (type) {
      document.addEventListener(type, restartLeave, { passive: true, capture: true });
    });
    restartLeave();
  }

  // A refused scan stays in the field, selected, so the next scan replaces it.
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
    if (document.activeElement === input) input.select();
  });

  // Escape leaves a slip without saving, back to the scan field.
  const escape = document.querySelector("[data-escape]");
  if (escape) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") window.location.href = escape.href;
    });
  }
})();
