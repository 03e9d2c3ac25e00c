// Touch-only helpers for the resident screens: the in-page keyboard and digit pad,
// the − / + stepper, one-tap-only forms, and the "Bent u er nog?" reset after inactivity.
// Everything works by tapping; no swipe, no long press, no hardware keyboard needed.
(function () {
  "use strict";
  const body = document.body;

  // A key press shows for a moment even when the finger is already gone: older hands
  // often tap too briefly to see the :active state.
  function flash(button) {
    button.classList.add("pressed");
    setTimeout(function () { button.classList.remove("pressed"); }, 150);
  }

  // "Jan De Vries" -> "Jan de Vries": inside a name, a family-name particle (the list
  // comes from the page) is written small. Checked when the word ends: at the space.
  function smallParticle(text, particles) {
    const match = /(\S)\s+(\S+)$/.exec(text);
    if (!match || particles.indexOf(match[2].toLowerCase()) < 0) return text;
    return text.slice(0, text.length - match[2].length) + match[2].toLowerCase();
  }

  // In-page keyboards: a key types into the input named by data-for.
  document.querySelectorAll("[data-for]").forEach(function (pad) {
    const input = document.getElementById(pad.dataset.for);
    pad.addEventListener("click", function (event) {
      const key = event.target.closest("button");
      if (!key || !input) return;
      flash(key);
      if (key.dataset.action === "backspace") {
        input.value = input.value.slice(0, -1);
      } else if (key.dataset.key !== undefined && input.value.length < input.maxLength) {
        let ch = key.dataset.key;
        // Names: a capital at the start and after a space or dash, small letters elsewhere.
        if (input.dataset.keyboard === "letters" && input.value && !/[\s'-]$/.test(input.value)) {
          ch = ch.toLowerCase();
        }
        if (ch === " " && input.dataset.particles) {
          input.value = smallParticle(input.value, input.dataset.particles.split(" "));
        }
        input.value += ch;
      }
      input.dispatchEvent(new Event("input"));
    });
  });

  // "Overslaan" empties the answer before the form is sent.
  document.querySelectorAll("button[data-clear]").forEach(function (button) {
    button.addEventListener("click", function () {
      const field = document.getElementById(button.dataset.clear);
      if (field) field.value = "";
    });
  });

  // Number of people: − and + within 1..max.
  document.querySelectorAll(".stepper").forEach(function (stepper) {
    const field = stepper.querySelector("input[type=hidden]");
    const shown = stepper.querySelector("output");
    const word = document.querySelector("[data-testid=party-word]");
    const max = parseInt(stepper.dataset.max || "10", 10);
    stepper.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-step]");
      if (!button) return;
      flash(button);
      const current = parseInt(field.value, 10) || 1;
      const next = Math.min(max, Math.max(1, current + parseInt(button.dataset.step, 10)));
      field.value = String(next);
      shown.textContent = String(next);
      if (word) word.textContent = next === 1 ? "persoon" : "personen";
    });
  });

  // A shaky double tap on "Ja, meld mij aan" sends the form once. (The server makes one
  // signup of a repeated form anyway; this spares the resident a second page load.)
  // The buttons are not disabled: a disabled button would not send its name and value.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
  // A page restored from the back/forward cache (Chromium keeps even no-store pages there)
  // may hold the last resident's answers: go to the start instead of showing it.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && window.location.pathname !== body.dataset.home) {
      window.location.replace(body.dataset.home);
      return;
    }
    document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; });
  });

  // Inactivity: warn (shown and spoken) at least 20 s before going back to the start.
  // Any tap restarts the clock, and "Ja, ik ben er nog" can be tapped as often as needed.
  const idleSeconds = Math.max(2, parseInt(body.dataset.idleSeconds || "90", 10));
  const warnSeconds = Math.min(30, Math.floor(idleSeconds / 2));
  const overlay = document.getElementById("still-there");
  const secondsShown = document.getElementById("still-there-seconds");
  const atStart = window.location.pathname === body.dataset.home && !window.location.search;
  let warnTimer = null;
  let tick = null;
  let resetAt = 0;

  function goHome() { window.location.replace(body.dataset.home); }
  function showCountdown() {
    const left = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    if (secondsShown) secondsShown.textContent = String(left);
    if (left <= 0) { clearInterval(tick); goHome(); }
  }
  function warn() {
    if (!overlay) return goHome();
    overlay.hidden = false;
    document.getElementById("still-there-yes").focus();
    if (window.buurtkiosk && window.buurtkiosk.speak) {
      window.buurtkiosk.speak("Bent u er nog? Tik op de knop als u verder wilt.");
    }
    resetAt = Date.now() + warnSeconds * 1000;
    showCountdown();
    tick = setInterval(showCountdown, 250);
  }
  function restart(event) {
    clearTimeout(warnTimer);
    clearInterval(tick);
    // A tap on the warning closes it on "click", not here: closing it at the touch would
    // let the rest of that tap land on whatever key or button lies underneath.
    if (overlay && !overlay.hidden && event && event.type === "keydown") overlay.hidden = true;
    if (atStart) return;  // the start screen is where a reset would go anyway
    warnTimer = setTimeout(warn, (idleSeconds - warnSeconds) * 1000);
  }
  if (overlay) {
    overlay.addEventListener("click", function (event) {
      event.stopPropagation();
      overlay.hidden = true;
      restart();
    });
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, restart, { passive: true, capture: true });
  });
  restart();
  window.buurtkioskIdle = { restart: restart, warnSeconds: warnSeconds, idleSeconds: idleSeconds };
})();
