// The volunteer desk: sign out by itself after a few idle minutes (names are on screen),
// pages instead of scrolling, and small keyboard comforts for entering slips with a USB
// scanner.
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

  // No desk page scrolls: a list longer than the screen comes in pages, with "Vorige" and
  // "Volgende" below it (as the residents' agenda does). A page ends before the first line,
  // row or button it would cut, which then starts the next page. Without JavaScript the
  // page scrolls.
  const main = document.getElementById("main");
  const pager = document.querySelector("[data-desk-pager]");
  if (main && pager) {
    document.documentElement.classList.add("desk-paged");
    const count = pager.querySelector(".desk-pager-count");
    const up = pager.querySelector("[data-page='-1']");
    const down = pager.querySelector("[data-page='1']");
    const pieces = "a, button, input, select, textarea, summary, label, tr, li, p, h1, h2, h3, pre, dt, dd, .stepper";
    // Where each page begins (a scrollTop of main).
    const pageStarts = function () {
      const height = main.clientHeight;
      const last = main.scrollHeight - height;
      // Boxes are measured as the eye sees them (after the screen's zoom), scrolling is
      // in the page's own px.
      const view = main.getBoundingClientRect();
      const scale = view.height / main.offsetHeight || 1;
      const boxes = [];
      main.querySelectorAll(pieces).forEach(function (el) {
        const r = el.getBoundingClientRect();
        if (r.height > 0) {
          boxes.push([(r.top - view.top) / scale + main.scrollTop, (r.bottom - view.top) / scale + main.scrollTop]);
        }
      });
      const starts = [0];
      while (starts[starts.length - 1] < last - 1 && starts.length < 200) {
        const at = starts[starts.length - 1];
        const end = at + height;
        let next = end;
        boxes.forEach(function (box) {
          if (box[0] < end && box[1] > end + 1) next = Math.min(next, box[0] - 4);
        });
        if (next <= at + 40) next = end - 48;  // taller than a page: cut it, with overlap
        starts.push(Math.min(next, last));
      }
      return starts;
    };
    const current = function (starts) {
      let index = 0;
      starts.forEach(function (start, i) { if (start <= main.scrollTop + 1) index = i; });
      return index;
    };
    const update = function () {
      const wasHidden = pager.hidden;
      pager.hidden = main.scrollHeight <= main.clientHeight + 1 && main.scrollTop === 0;
      if (pager.hidden !== wasHidden) { update(); return; }  // the bar takes room of main
      if (pager.hidden) return;
      const starts = pageStarts();
      const at = current(starts);
      count.textContent = "Bladzijde " + (at + 1) + " van " + starts.length;
      up.setAttribute("aria-disabled", at === 0 ? "true" : "false");
      down.setAttribute("aria-disabled", at === starts.length - 1 ? "true" : "false");
    };
    pager.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-page]");
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      const starts = pageStarts();
      const at = current(starts) + parseInt(button.dataset.page, 10);
      main.scrollTop = starts[Math.max(0, Math.min(starts.length - 1, at))];
      update();
    });
    main.addEventListener("scroll", update, { passive: true });  // focus moved into view
    window.addEventListener("resize", update);
    document.addEventListener("toggle", update, true);  // a <details> opened or closed
    if (document.fonts) document.fonts.ready.then(update);
    update();
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
