// Touch-only helpers for the resident screens (the keys and the − / + stepper are in
// keys.js): one-tap-only forms, and the "Bent u er nog?" reset after inactivity.
// Everything works by tapping; no swipe, no long press, no hardware keyboard needed.
(function () {
  "use strict";
  const body = document.body;

  // "Terug" on an activity leads back to the agenda page the resident came from, not to
  // the first page (agenda.js keeps which; the first page, where every reset lands,
  // forgets it).
  try {
    const agendaPage = sessionStorage.getItem("agenda-page");
    if (agendaPage && agendaPage.indexOf(body.dataset.home + "?") === 0) {
      document.querySelectorAll("[data-back-to-agenda]").forEach(function (link) { link.href = agendaPage; });
    }
  } catch (e) { /* no sessionStorage: Terug goes to the first page */ }

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

  // "Grotere letters": normal, bigger, biggest, and round again. Kept while this resident
  // goes from screen to screen; the reset to the start forgets it (goHome).
  const LETTER_STEPS = 3;
  function setLetters(step) {
    const root = document.documentElement;
    if (step) root.dataset.letters = String(step); else delete root.dataset.letters;
    try {
      if (step) sessionStorage.setItem("letters", String(step)); else sessionStorage.removeItem("letters");
    } catch (e) { /* private mode: only this page */ }
    document.querySelectorAll("[data-letters-button]").forEach(function (button) {
      button.setAttribute("aria-pressed", step ? "true" : "false");
    });
    document.dispatchEvent(new Event("buurtkiosk:letters"));
  }
  document.querySelectorAll("[data-letters-button]").forEach(function (button) {
    button.setAttribute("aria-pressed", document.documentElement.dataset.letters ? "true" : "false");
    button.addEventListener("click", function () {
      const now = parseInt(document.documentElement.dataset.letters || "0", 10);
      setLetters((now + 1) % LETTER_STEPS);
    });
  });
  document.querySelectorAll("[data-forget-letters]").forEach(function (link) {
    link.addEventListener("click", function () { setLetters(0); });
  });

  // "Hulp": says, on screen and aloud, what can be done here and where a volunteer is.
  const help = document.getElementById("help");
  document.querySelectorAll("[data-help-open]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!help) return;
      help.hidden = false;
      help.querySelector("[data-help-close]").focus();
      if (window.buurtkiosk && window.buurtkiosk.speak) {
        window.buurtkiosk.speak(document.getElementById("help-text").textContent);
      }
    });
  });
  if (help) {
    help.querySelector("[data-help-close]").addEventListener("click", function () {
      help.hidden = true;
      if (window.buurtkiosk && window.buurtkiosk.stopSpeaking) window.buurtkiosk.stopSpeaking();
    });
  }

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

  function goHome() { setLetters(0); window.location.replace(body.dataset.home); }
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
