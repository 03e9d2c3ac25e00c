// The spoken wish on the page: what the recognizer heard goes to the server's dialog
// (voice/wish_dialog.py), whose answer is shown here: the next question, what was
// understood, the number pad at the phone step, or the next screen when it is done.
(function () {
  "use strict";
  const screen = document.getElementById("wish-voice");
  if (!screen) return;
  const say = document.getElementById("wish-say");
  const heardLine = document.getElementById("wish-heard");
  const phoneForm = document.getElementById("wish-phone-form");
  const spoken = document.getElementById("read-aloud-text");

  async function heard(text) {
    const response = await fetch(screen.dataset.heardUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ gesprek: screen.dataset.conversation, tekst: text }),
    });
    const answer = await response.json();
    if (answer.klaar) { window.location.assign(answer.klaar); return answer; }
    say.textContent = answer.zeg || answer.fout || "";
    if (spoken) spoken.textContent = say.textContent;
    heardLine.textContent = (answer.gehoord || []).join(", ");
    phoneForm.hidden = !(answer.tikken && answer.stap === "phone");
    return answer;
  }
  // The microphone's recognizer hands its text here.
  window.wishVoice = { heard: heard };
})();
