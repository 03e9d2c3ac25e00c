// Touch-only helpers for the resident screens: the in-page keyboard and digit pad,
// the − / + stepper, and the "Bent u er nog?" reset after inactivity.
(function () {
  "use strict";
  const body = document.body;

  // In-page keyboards: a key types into the input named by data-for.
  document.querySelectorAll("[data-for]").forEach(function (pad) {
    const input = document.getElementById(pad.dataset.for);
    pad.addEventListener("click", function (event) {
      const key = event.target.closest("button");
      if (!key || !input) return;
      if (key.dataset.action === "backspace") {
        input.value = input.value.slice(0, -1);
      } else if (key.dataset.key !== undefined && input.value.length < input.maxLength) {
        let ch = key.dataset.key;
        // Names: capital after a space or at the start, small letters elsewhere.
        if (input.dataset.keyboard === "letters" && input.value && !/[\s'-]$/.test(input.value)) {
          ch = ch.toLowerCase();
        }
        input.value += ch;
      }
      input.dispatchEvent(new Event("input"));
    });
  });

  // Number of people: − and + within 1..10.
  document.querySelectorAll(".stepper").forEach(function (stepper) {
    const field = stepper.querySelector("input[type=hidden]");
    const shown = stepper.querySelector("output");
    stepper.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-step]");
      if (!button) return;
      const next = Math.min(10, Math.max(1, (parseInt(field.value, 10) || 1) + parseInt(button.dataset.step, 10)));
      field.value = String(next);
      shown.textContent = String(next);
    });
  });

  // Inactivity: warn (shown and spoken), then go back to the start. Any tap restarts
  // the clock, and "Ja, ik ben er nog" can be tapped as often as needed.
  const idleSeconds = parseInt(body.dataset.idleSeconds || "90", 10);
  const warnSeconds = Math.min(30, Math.floor(idleSeconds / 2));
  const overlay = document.getElementById("still-there");
  const atStart = window.location.pathname === body.dataset.home && !window.location.search;
  let warnTimer = null;
  let resetTimer = null;

  function goHome() { window.location.href = body.dataset.home; }
  function warn() {
    if (!overlay) return goHome();
    overlay.hidden = false;
    document.getElementById("still-there-yes").focus();
    if (window.buurtkiosk && window.buurtkiosk.speak) {
      window.buurtkiosk.speak("Bent u er nog? Tik op de knop als u verder wilt.");
    }
    resetTimer = setTimeout(goHome, warnSeconds * 1000);
  }
  function restart() {
    clearTimeout(warnTimer);
    clearTimeout(resetTimer);
    if (overlay) overlay.hidden = true;
    if (atStart) return;  // the start screen is where a reset would go anyway
    warnTimer = setTimeout(warn, (idleSeconds - warnSeconds) * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, restart, { passive: true });
  });
  restart();
  window.buurtkioskIdle = { restart: restart, warnSeconds: warnSeconds, idleSeconds: idleSeconds };
})();
