// A USB barcode scanner is a keyboard that types a whole code in a few milliseconds and
// presses Enter. On a screen without a text field (the start screen) this catches such a
// burst and sends it to the form marked data-scanned-ticket. A pause between keys starts
// the code afresh, so stray keys before a scan do no harm (the kiosk has no hardware
// keyboard; the allowance is wide because a busy Pi may see a scanner's keys late).
(function () {
  "use strict";
  const form = document.querySelector("form[data-scanned-ticket]");
  if (!form) return;
  const field = form.querySelector("input[name=code]");
  const MAX_GAP_MS = 300;  // scanners send a key every 1-30 ms
  const MAX_LENGTH = 300;
  let typed = "";
  let last = 0;
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const now = Date.now();
    if (now - last > MAX_GAP_MS) typed = "";
    last = now;
    if (event.key === "Enter") {
      if (typed.length >= 6) {
        event.preventDefault();
        field.value = typed;
        typed = "";
        form.submit();
      }
      typed = "";
      return;
    }
    if (event.key.length === 1 && typed.length < MAX_LENGTH) typed += event.key;
  });
})();
