// One activity's screen: with the largest letters on a small screen the longest activity
// (a title of three lines, a place with its address, a price, a description) is more than
// the room. Rather than cut off its last fact, the description gives way first (three
// lines, two, one, none; "Lees voor" still reads all of it), then the title's letters
// come a little closer to the rest, then the facts closer together. No word is cut.
(function () {
  "use strict";
  const activity = document.querySelector("[data-fit-activity]");
  if (!activity) return;
  const STEPS = 5;

  function overflows() { return activity.scrollHeight > activity.clientHeight + 1; }
  function fit() {
    let step = 0;
    delete activity.dataset.fit;
    while (step < STEPS && overflows()) {
      step += 1;
      activity.dataset.fit = String(step);
    }
  }
  fit();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
  window.addEventListener("resize", fit);
  document.addEventListener("buurtkiosk:letters", fit);
})();
