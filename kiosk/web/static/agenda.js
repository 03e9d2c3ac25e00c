// The start screen's page: the server sends a window of the agenda (a few more cards than
// the largest screen holds, beginning with the first card's day heading); this shows as
// many of them as fit this screen (whatever its size, and with "Grotere letters" on),
// never a scroll bar. "Meer" asks the server for the window from the first card not
// shown; "Vorige" for the page before, whose first card the address carries ("eerder"),
// both of the agenda as the first page showed it ("stand"). Cards are named by their place
// in the agenda's order (data-key), not counted: a sync that adds or removes an activity
// between two pages then skips or repeats no card.
// "Lees voor" reads the page that is shown.
(function () {
  "use strict";
  const agenda = document.querySelector("[data-agenda]");
  if (!agenda) return;
  // Where "Terug" on an activity leads (kiosk.js): this page, or the first by default.
  try {
    if (window.location.search) sessionStorage.setItem("agenda-page", window.location.pathname + window.location.search);
    else sessionStorage.removeItem("agenda-page");
  } catch (e) { /* no sessionStorage: Terug goes to the first page */ }
  const entries = Array.prototype.slice.call(agenda.children);
  const previous = document.querySelector("[data-page-step='-1']");
  const next = document.querySelector("[data-page-step='1']");
  const count = document.querySelector("[data-testid=page-count]");
  const spoken = document.getElementById("read-aloud-text");
  const offset = parseInt(agenda.dataset.offset || "0", 10);
  const total = parseInt(agenda.dataset.total || "0", 10);
  let earlier = [];
  try { earlier = JSON.parse(agenda.dataset.earlier || "[]"); } catch (e) { earlier = []; }
  const moment = agenda.dataset.moment;
  const cardsSent = entries.filter(function (el) { return el.classList.contains("agenda-card"); });
  let nextOffset = total;
  let nextKey = "";

  function overflows() { return agenda.scrollHeight > agenda.clientHeight + 1; }

  // Headings and cards in order until the next would not fit; the first heading and card
  // always (with the largest letters on the smallest screen a card may be all there is
  // room for), and never a heading without its card below it.
  function layout() {
    const shown = [];
    let cards = 0;
    agenda.classList.remove("squeezed"); // every card counts its place again
    agenda.replaceChildren();
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i];
      const isCard = entry.classList.contains("agenda-card");
      agenda.appendChild(entry);
      if (cards && overflows()) { agenda.removeChild(entry); break; }
      shown.push(entry);
      if (isCard) cards += 1;
    }
    while (shown.length && shown[shown.length - 1].tagName === "H2") agenda.removeChild(shown.pop());
    // A long title with the largest letters: a card alone taller than the room. Its place
    // goes (the card still reads it aloud, and the activity's screen shows it) rather
    // than its last lines being cut off.
    if (cards === 1 && overflows()) agenda.classList.add("squeezed");
    nextOffset = offset + cards;
    nextKey = cards < cardsSent.length ? cardsSent[cards].dataset.key : (agenda.dataset.after || "");
    const more = nextOffset < total;
    previous.hidden = offset === 0;
    next.hidden = !more;
    count.hidden = offset === 0 && !more;
    const left = total - nextOffset;
    count.innerHTML = "Bladzijde " + (earlier.length + 1) +
      (more ? "<br>Nog " + left + (left === 1 ? " activiteit" : " activiteiten") : "");
    if (spoken && entries.length) {
      const said = shown.map(function (el) { return el.dataset.spoken || ""; });
      spoken.textContent = "Wat is er te doen? " + said.join(" ") + " Tik op een activiteit om meer te zien." +
        (more ? " Tik op Meer voor nog meer activiteiten." : "") +
        " Heeft u een kaartje? Houd het voor de scanner, of tik op Mijn kaartje.";
    }
  }

  // "0" in "eerder" is the first page: from the agenda's start, not from a card.
  function go(from, before) {
    const query = new URLSearchParams();
    if (from && from !== "0") query.set("vanaf", from);
    before.forEach(function (key) { query.append("eerder", key); });
    query.set("stand", moment);
    window.location.assign(window.location.pathname + "?" + query.toString());
  }

  next.addEventListener("click", function () {
    const here = offset === 0 || !cardsSent.length ? "0" : cardsSent[0].dataset.key;
    go(nextKey, earlier.concat([here]));
  });
  previous.addEventListener("click", function () {
    go(earlier[earlier.length - 1] || "0", earlier.slice(0, -1));
  });
  if (entries.length) {
    layout();
    // Fonts and "Grotere letters" change what fits.
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(layout);
    window.addEventListener("resize", layout);
    document.addEventListener("buurtkiosk:letters", layout);
  }
})();
