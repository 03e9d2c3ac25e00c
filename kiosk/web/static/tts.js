// Read aloud, on every resident screen. window.buurtkiosk.speak(text) plays the text in the
// kiosk's own Dutch voice (rendered and cached on the kiosk, so it works offline) and
// returns a promise that settles when it has been heard — or could not be played.
(function () {
  "use strict";
  const script = document.currentScript;
  const speechUrl = script && script.dataset.speechUrl;
  const audio = new Audio();
  audio.preload = "auto";
  let finishCurrent = null;

  function stop() {
    audio.pause();
    audio.removeAttribute("src");
    if (finishCurrent) finishCurrent();
  }

  function speak(text) {
    stop();
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!text || !speechUrl) return Promise.resolve(false);
    return new Promise(function (resolve) {
      let settled = false;
      finishCurrent = function (played) {
        if (settled) return;
        settled = true;
        finishCurrent = null;
        document.body.classList.remove("speaking");
        resolve(played === true);
      };
      audio.onended = function () { finishCurrent && finishCurrent(true); };
      audio.onerror = function () { finishCurrent && finishCurrent(false); };
      audio.src = speechUrl + "?tekst=" + encodeURIComponent(text);
      document.body.classList.add("speaking");
      // A browser that refuses to play (no sound card, autoplay rules) must not stop the
      // dialog: the text is on the screen anyway.
      audio.play().catch(function () { finishCurrent && finishCurrent(false); });
    });
  }

  function readAloudText() {
    const holder = document.getElementById("read-aloud-text");
    return holder ? holder.textContent : "";
  }

  // "Lees voor": reads the screen; tapping it again while it reads stops it.
  document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (document.body.classList.contains("speaking")) {
        stop();
        return;
      }
      button.setAttribute("aria-pressed", "true");
      speak(readAloudText()).then(function () { button.setAttribute("aria-pressed", "false"); });
    });
  });

  // No microphone, no voice button: a button that cannot work only confuses.
  const voiceButtons = document.querySelectorAll("[data-voice-start]");
  if (voiceButtons.length) {
    // The screen is laid out again without them (agenda.js fits its cards on "resize").
    const hide = function () {
      voiceButtons.forEach(function (b) { b.hidden = true; });
      window.dispatchEvent(new Event("resize"));
    };
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
      hide();
    } else {
      navigator.mediaDevices.enumerateDevices().then(function (devices) {
        if (!devices.some(function (d) { return d.kind === "audioinput"; })) hide();
      }, hide);
    }
  }

  // "harder" and "zachter" in the spoken dialog: the volume of everything read aloud.
  function setVolume(volume) {
    if (typeof volume === "number" && volume >= 0 && volume <= 1) audio.volume = volume;
  }

  window.buurtkiosk = Object.assign(window.buurtkiosk || {}, {
    setVolume: setVolume,
    speak: speak,
    stopSpeaking: stop,
    readAloudText: readAloudText,
  });

  // Arriving from a spoken signup (?stem=1): say the ticket screen without a tap.
  if (new URLSearchParams(window.location.search).get("stem") === "1") {
    window.addEventListener("load", function () { speak(readAloudText()); });
  }
})();
