// The spoken wish on the page. Spoken answers go through the signup's capture code
// (voice.js, which posts the microphone's audio to /wens/stem/luister and puts the
// dialog's answer in #voice-panel); text recognized elsewhere comes through `heard`.
// Either way the server's dialog (voice/wish_dialog.py) answers: the next question, what
// was understood, the number pad at the phone step, or the next screen when it is done.
(function () {
  "use strict";
  const screen = document.getElementById("wish-voice");
  if (!screen) return;
  const holder = document.getElementById("voice-panel");
  const phoneForm = document.getElementById("wish-phone-form");
  const spoken = document.getElementById("read-aloud-text");

  // The number is typed: the form shows as soon as the dialog reaches the phone step,
  // whichever way the answer came.
  function showStep() {
    const panel = holder.querySelector("[data-step]");
    phoneForm.hidden = !(panel && panel.dataset.step === "phone");
  }
  new MutationObserver(showStep).observe(holder, { childList: true });

  // Said when the kiosk's answer is not the dialog's JSON (no connection with the kiosk's
  // own server, or an error page where JSON was expected): never a script error.
  const TROUBLE = "Er ging iets mis. Probeer het nog een keer, of tik op het scherm.";

  async function ask(text) {
    try {
      const response = await fetch(screen.dataset.heardUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ gesprek: screen.dataset.conversation, tekst: text }),
      });
      const type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) return { fout: TROUBLE, zeg: TROUBLE };
      return await response.json();
    } catch (error) {
      return { fout: TROUBLE, zeg: TROUBLE };
    }
  }

  async function heard(text) {
    const answer = await ask(text);
    if (answer.klaar) { window.location.assign(answer.klaar); return answer; }
    if (answer.html) holder.innerHTML = answer.html;
    else document.getElementById("wish-say").textContent = answer.fout || answer.error || TROUBLE;
    if (spoken) spoken.textContent = answer.zeg || answer.fout || answer.error || "";
    showStep();
    return answer;
  }
  window.wishVoice = { heard: heard };
})();
