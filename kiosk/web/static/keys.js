// On-screen keys, the same for residents and for the desk: a pad with data-for="ID" types
// into that field; a pad with data-for="" types into the text field last touched (the
// desk's general keyboard). Also the − / + stepper of a number of people. Nothing here
// needs a hardware keyboard.
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

  // Listened for on the whole page, so keys that come later work too (the spoken signup
  // swaps its steps in without loading a page).
  // A tap on a key must not take the focus away from the field being typed in.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-for]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    const key = event.target.closest && event.target.closest("[data-for] button");
    if (!key) return;
    const pad = key.closest("[data-for]");
    const input = pad.dataset.for ? document.getElementById(pad.dataset.for) : lastField;
    if (!input) return;
    flash(key);
    type(input, key);
    if (!pad.dataset.for) input.focus();
  });

  // Number of people: − and + within 1..max, for residents and the desk (_stepper.html).
  // At a limit a button looks flat and says why, on screen and to a screen reader: no tap
  // that does nothing without showing why. Past the seats left it says: waitlist.
  function field(stepper) { return stepper.querySelector("input"); }
  function showLimits(stepper) {
    const value = parseInt(field(stepper).value, 10) || 1;
    const max = parseInt(stepper.dataset.max || "10", 10);
    const seats = stepper.dataset.seats === undefined ? null : parseInt(stepper.dataset.seats, 10);
    stepper.querySelector("[data-step='-1']").setAttribute("aria-disabled", value <= 1 ? "true" : "false");
    stepper.querySelector("[data-step='1']").setAttribute("aria-disabled", value >= max ? "true" : "false");
    const why = document.getElementById(field(stepper).id + "-why");
    if (!why) return;
    let text = "";
    if (value <= 1) text = stepper.dataset.whyMin;
    else if (value >= max) text = stepper.dataset.whyMax;
    else if (seats !== null && value > seats) text = stepper.dataset.whySeats;
    if (why.textContent !== text) why.textContent = text;
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".stepper button[data-step]");
    if (!button) return;
    const stepper = button.closest(".stepper");
    const input = field(stepper);
    flash(button);
    const max = parseInt(stepper.dataset.max || "10", 10);
    const current = parseInt(input.value, 10) || 1;
    const next = Math.min(max, Math.max(1, current + parseInt(button.dataset.step, 10)));
    input.value = String(next);
    const shown = stepper.querySelector("output");
    if (shown) shown.textContent = String(next);
    const word = document.querySelector("[data-testid=party-word]");
    if (word) word.textContent = next === 1 ? "persoon" : "personen";
    showLimits(stepper);
  });
  // The desk's phone form: the seats left are the chosen activity's (its <option>).
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (!select.dataset || !select.dataset.seatsFor) return;
    const input = document.getElementById(select.dataset.seatsFor);
    const stepper = input && input.closest(".stepper");
    if (!stepper) return;
    const option = select.selectedOptions[0];
    if (option && option.dataset.seats !== undefined) {
      stepper.dataset.seats = option.dataset.seats;
      stepper.dataset.whySeats = option.dataset.whySeats;
    } else {
      delete stepper.dataset.seats;
      delete stepper.dataset.whySeats;
    }
    showLimits(stepper);
  });
  // Typed at the desk: the buttons and the line below follow what is typed.
  document.addEventListener("input", function (event) {
    const stepper = event.target.closest && event.target.closest(".stepper");
    if (stepper) showLimits(stepper);
  });

  window.buurtkioskKeys = { flash: flash };
})();
