// On-screen keys, the same for residents and for the desk: a pad with data-for="ID" types
// into that field; a pad with data-for="" types into the text field last touched (the
// desk's general keyboard). Nothing here needs a hardware keyboard.
(function () {
  "use strict";

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

  const typable = "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea";
  // An autofocused field may have its focus before this script runs.
  let lastField = document.activeElement && document.activeElement.matches &&
    document.activeElement.matches(typable) ? document.activeElement : null;
  document.addEventListener("focusin", function (event) {
    const el = event.target;
    if (el.matches && el.matches(typable)) {
      lastField = el;
    }
  });

  function type(input, key) {
    if (key.dataset.action === "backspace") {
      input.value = input.value.slice(0, -1);
    } else if (key.dataset.action === "shift") {
      const pad = key.closest("[data-for]");
      pad.classList.toggle("shifted");
      key.setAttribute("aria-pressed", pad.classList.contains("shifted") ? "true" : "false");
      return;
    } else if (key.dataset.key !== undefined && (input.maxLength < 0 || input.value.length < input.maxLength)) {
      let ch = key.dataset.key;
      const pad = key.closest("[data-for]");
      if (pad.classList.contains("shifted")) ch = ch.toUpperCase();
      // Names: a capital at the start and after a space or dash, small letters elsewhere.
      if (input.dataset.keyboard === "letters" && input.value && !/[\s'-]$/.test(input.value)) {
        ch = ch.toLowerCase();
      }
      if (ch === " " && input.dataset.particles) {
        input.value = smallParticle(input.value, input.dataset.particles.split(" "));
      }
      input.value += ch;
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll("[data-for]").forEach(function (pad) {
    // A tap on a key must not take the focus away from the field being typed in.
    pad.addEventListener("mousedown", function (event) { event.preventDefault(); });
    pad.addEventListener("click", function (event) {
      const key = event.target.closest("button");
      if (!key) return;
      const input = pad.dataset.for ? document.getElementById(pad.dataset.for) : lastField;
      if (!input) return;
      flash(key);
      type(input, key);
      if (!pad.dataset.for) input.focus();
    });
  });

  window.buurtkioskKeys = { flash: flash };
})();
