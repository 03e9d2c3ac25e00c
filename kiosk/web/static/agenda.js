// The start screen's pages: as many agenda cards as fit this screen (whatever its size, and
// with "Grotere letters" on), never a scroll bar; "Meer" and "Vorige" leaf through them.
// A day whose cards run on to the next page gets its heading again there. "Lees voor"
// reads the page that is shown.
(function () {
  "use strict";
  const agenda = document.querySelector("[data-agenda]");
  if (!agenda) return;
  const entries = Array.prototype.slice.call(agenda.children);
  const previous = document.querySelector("[data-page-step='-1']");
  const next = document.querySelector("[data-page-step='1']");
  const count = document.querySelector("[data-testid=page-count]");
  const spoken = document.getElementById("read-aloud-text");
  const headings = {};
  entries.forEach(function (entry) { if (entry.tagName === "H2") headings[entry.dataset.day] = entry; });
  let pages = [];
  let current = 0;

  function overflows() { return agenda.scrollHeight > agenda.clientHeight + 1; }

  // Fill a page with entries until the next would not fit, then start a new one.
  function layout() {
    pages = [];
    let page = [];
    agenda.replaceChildren();
    entries.forEach(function (entry) {
      const isCard = entry.classList.contains("agenda-card");
      agenda.appendChild(entry);
      if (overflows() && page.length) {
        agenda.removeChild(entry);
        // A heading alone at the foot of a page belongs to the next one.
        const last = page[page.length - 1];
        const carried = [];
        if (last.tagName === "H2") { agenda.removeChild(last); carried.push(page.pop()); }
        pages.push(page);
        page = carried;
        agenda.replaceChildren.apply(agenda, carried);
        if (isCard && !carried.length) {
          const again = headings[entry.dataset.day].cloneNode(true);
          agenda.appendChild(again);
          page.push(again);
        }
        agenda.appendChild(entry);
      }
      page.push(entry);
    });
    if (page.length) pages.push(page);
    show(Math.min(current, pages.length - 1));
  }

  function show(index) {
    current = Math.max(0, index);
    agenda.replaceChildren.apply(agenda, pages[current] || []);
    const many = pages.length > 1;
    previous.hidden = !many || current === 0;
    next.hidden = !many || current === pages.length - 1;
    count.hidden = !many;
    count.innerHTML = "Bladzijde " + (current + 1) + "<br>van " + pages.length;
    if (spoken && pages.length) {
      const said = (pages[current] || []).map(function (el) { return el.dataset.spoken || ""; });
      spoken.textContent = "Wat is er te doen? " + said.join(" ") + " Tik op een activiteit om meer te zien." +
        (current < pages.length - 1 ? " Tik op Meer voor nog meer activiteiten." : "") +
        " Heeft u een kaartje? Houd het voor de scanner, of tik op Mijn kaartje.";
    }
  }

  [previous, next].forEach(function (button) {
    button.addEventListener("click", function () { show(current + parseInt(button.dataset.pageStep, 10)); });
  });
  if (entries.length) {
    layout();
    // Fonts and "Grotere letters" change what fits.
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(layout);
    window.addEventListener("resize", layout);
    document.addEventListener("buurtkiosk:letters", layout);
  }
})();
