// A USB barcode scanner is a keyboard that types a whole code and presses Enter. Where the
// keys do not land in a text field (the start screen, or a key button that has the focus)
// this collects them and sends them to the form marked data-scanned-ticket. The kiosk has no
// hardware keyboard; stray keys before a scan are dropped by looking for the ticket's "BK1."
// prefix, and a long pause starts afresh. (A busy Pi may see a scanner's keys late, so the
// pause allowed between keys is generous.)
(function () {
  "use strict";
  const form = document.querySelector("form[data-scanned-ticket]");
  if (!form) return;
  const field = form.querySelector("input[name=code]");
  const MAX_GAP_MS = 2000;
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
      const start = typed.toUpperCase().lastIndexOf("BK1.");
      const scanned = (start >= 0 ? typed.slice(start) : typed).trim();
      typed = "";
      if (scanned.length >= 6) {
        event.preventDefault();  // not also a click on the focused key
        field.value = scanned;
        form.submit();
      }
      return;
    }
    if (event.key.length === 1 && typed.length < MAX_LENGTH) typed += event.key;
  });
})();
