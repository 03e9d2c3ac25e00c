// Signing up by voice. The kiosk says the question (tts.js), then listens: the microphone's
// audio is brought down to 16 kHz mono 16-bit, sent to the kiosk in half-second WAV pieces
// while the resident talks (so recognition is nearly done when they stop), and ends after
// about a second of silence, or at 10 seconds. A pause is sent with its first 0.3 s only;
// the rest waits, and is sent if the resident goes on talking or dropped at the end: the
// recognizer needs no more, and the last upload then carries no audio, so the answer
// comes as soon as the kiosk hears that the resident has stopped. The kiosk's answer
// replaces the step on screen. Every step can be tapped instead; a tap stops the listening.
(function () {
  "use strict";
  const root = document.getElementById("voice");
  if (!root) return;

  const TARGET_RATE = 16000;
  const PIECE_SAMPLES = 8000; // half a second per upload
  const FRAME = 320; // 20 ms: the speech detector's step
  const FRAME_MS = 20;
  const END_SILENCE_MS = 1000;
  const PAUSE_SENT_MS = 300; // of a pause, this much goes to the recognizer at once
  const MAX_MS = 10000;
  const NO_SPEECH_MS = 8000;
  const START_FRAMES = 3; // 60 ms above the threshold is speech, a click is not
  // Short, to stay whole beside "Praat" in the top bar of the smallest screens; the
  // button itself says that talking is possible again.
  const IDLE_TEXT = "Tik op het scherm.";
  const WORKLET_URL = document.currentScript.src.replace(/voice\.js(\?.*)?$/, "voice-capture-worklet.js");

  const holder = document.getElementById("voice-panel");
  const statusBox = document.getElementById("voice-status");
  const statusText = document.getElementById("voice-status-text");
  const levelBar = document.getElementById("voice-level-bar");
  const talkButton = document.getElementById("voice-talk");
  const readAloud = document.getElementById("read-aloud-text");
  const kiosk = window.buurtkiosk || {};
  const speak = kiosk.speak || function () { return Promise.resolve(false); };
  let session = null;
  let noMicrophone = false; // no microphone, or no permission: no "Praat" to offer

  function keepAwake() {
    if (window.buurtkioskIdle) window.buurtkioskIdle.restart();
  }

  function panel() { return holder.querySelector("[data-step]"); }

  // A page whose dialog is kept under an id in the page (the spoken wish), not in the
  // signup's cookie, sends that id with everything it posts.
  function withConversation(body) {
    if (root.dataset.conversation) body.append("gesprek", root.dataset.conversation);
  }

  function canListen() {
    const p = panel();
    return !noMicrophone && p && ["phone", "done", "stopped"].indexOf(p.dataset.step) < 0;
  }

  // The status in two parts: what the kiosk does ("Ik luister..."), and more about it
  // ("Praat nu maar.", the words heard so far), which makes room on a short screen with
  // "Grotere letters" (voice.css).
  function setStatus(text, more) {
    statusText.textContent = text;
    if (!more) return;
    const extra = document.createElement("span");
    extra.className = "voice-status-more";
    extra.textContent = " " + more;
    statusText.appendChild(extra);
  }

  function setMode(mode, text, more) {
    statusBox.dataset.mode = mode;
    document.body.dataset.voice = mode;
    setStatus(text, more);
    if (levelBar) levelBar.style.width = "0%";
    if (talkButton) talkButton.hidden = !(mode === "idle" && canListen());
    fitStatus();
  }

  // "Praat" offered again says it all: where the words would not fit beside it (a short
  // or narrow screen, larger letters) they give it the room; where they fit they stay.
  function fitStatus() {
    statusBox.classList.remove("talk-only");
    if (!talkButton || talkButton.hidden) return;
    const cut = statusText.scrollHeight > statusText.clientHeight + 1 ||
      statusText.scrollWidth > statusText.clientWidth + 1 || statusText.clientWidth < 80;
    if (cut) statusBox.classList.add("talk-only");
  }

  // --- audio helpers ------------------------------------------------------------------

  // Linear interpolation from the device rate (44.1 or 48 kHz) to 16 kHz. A low-pass
  // filter in front (BiquadFilterNode, 7 kHz) keeps what is above 8 kHz from folding
  // back into the speech band.
  function makeDownsampler(inRate) {
    const step = inRate / TARGET_RATE;
    let pos = 0; // position of the next output sample; index 0 is the previous block's last
    let last = 0;
    return function (block) {
      const n = block.length;
      const out = [];
      while (pos < n) {
        const i = Math.floor(pos);
        const f = pos - i;
        const a = i === 0 ? last : block[i - 1];
        const b = block[i];
        out.push(a + (b - a) * f);
        pos += step;
      }
      pos -= n;
      last = block[n - 1];
      const pcm = new Int16Array(out.length);
      for (let k = 0; k < out.length; k++) {
        const s = Math.max(-1, Math.min(1, out[k]));
        pcm[k] = s < 0 ? s * 0x8000 : s * 0x7fff;
      }
      return pcm;
    };
  }

  function wavBlob(pcm) {
    const header = new DataView(new ArrayBuffer(44));
    const text = function (offset, s) { for (let i = 0; i < s.length; i++) header.setUint8(offset + i, s.charCodeAt(i)); };
    text(0, "RIFF"); header.setUint32(4, 36 + pcm.byteLength, true); text(8, "WAVE");
    text(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true);
    header.setUint16(22, 1, true); header.setUint32(24, TARGET_RATE, true);
    header.setUint32(28, TARGET_RATE * 2, true); header.setUint16(32, 2, true);
    header.setUint16(34, 16, true); text(36, "data"); header.setUint32(40, pcm.byteLength, true);
    return new Blob([header, pcm], { type: "audio/wav" });
  }

  function frameDb(pcm, start) {
    let sum = 0;
    for (let i = start; i < start + FRAME; i++) sum += pcm[i] * pcm[i];
    return 10 * Math.log10(sum / FRAME / (32768 * 32768) + 1e-12);
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "u" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  // --- one utterance --------------------------------------------------------------------

  function Session() {
    this.id = newId();
    this.seq = 0;
    this.chain = Promise.resolve();
    this.pending = [];
    this.pendingLength = 0;
    this.carry = new Int16Array(0); // less than a frame, waiting for the next block
    this.samples = 0;
    this.speech = false;
    this.loudFrames = 0;
    this.silentMs = 0;
    this.holding = false; // in a pause: pending audio waits to see if speech goes on
    this.noise = null;
    this.ended = false;
    this.aborted = false;
  }

  // A tap while the microphone is still starting aborts the session: every wait here may
  // end after that, and then the microphone is let go again (abort found nothing to stop).
  Session.prototype.start = async function () {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    if (this.aborted) { this.stopCapture(); return; }
    const ctx = this.ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(this.stream);
    const filter = ctx.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.value = 7000;
    source.connect(filter);
    this.downsample = makeDownsampler(ctx.sampleRate);
    const self = this;
    const onBlock = function (block) { if (!self.ended) self.onBlock(block); };
    if (ctx.audioWorklet) {
      await ctx.audioWorklet.addModule(WORKLET_URL);
      if (this.aborted) return; // abort closed the context
      this.node = new AudioWorkletNode(ctx, "buurtkiosk-capture");
      this.node.port.onmessage = function (event) { onBlock(event.data); };
    } else {
      this.node = ctx.createScriptProcessor(2048, 1, 1);
      this.node.onaudioprocess = function (event) { onBlock(event.inputBuffer.getChannelData(0).slice(0)); };
    }
    filter.connect(this.node);
    // Silent, but it keeps the browser pulling audio through the graph.
    const mute = ctx.createGain();
    mute.gain.value = 0;
    this.node.connect(mute).connect(ctx.destination);
    if (ctx.state === "suspended") await ctx.resume();
    if (this.aborted) return;
    setMode("listening", "Ik luister...", "Praat nu maar.");
  };

  Session.prototype.onBlock = function (block) {
    const pcm = this.downsample(block);
    this.pending.push(pcm);
    this.pendingLength += pcm.length;
    this.samples += pcm.length;
    const silentBefore = this.silentMs;
    this.detect(pcm);
    if (this.speech && this.silentMs >= END_SILENCE_MS) {
      // Everything not yet sent lies inside the final second of silence.
      this.takePending();
      this.finish();
      return;
    }
    if (this.silentMs < silentBefore) this.holding = false; // talking again: send the pause too
    if (!this.holding && this.speech && this.silentMs >= PAUSE_SENT_MS) {
      this.send(false); // the speech up to here, with the start of the pause
      this.holding = true;
    } else if (!this.holding && this.pendingLength >= PIECE_SAMPLES) {
      this.send(false);
    }
    const ms = (this.samples / TARGET_RATE) * 1000;
    if (ms >= MAX_MS || (!this.speech && ms >= NO_SPEECH_MS)) this.finish();
  };

  // End of speech: the quietest 20 ms so far is the room; speech is 15 dB above it.
  Session.prototype.detect = function (pcm) {
    const joined = new Int16Array(this.carry.length + pcm.length);
    joined.set(this.carry);
    joined.set(pcm, this.carry.length);
    let start = 0;
    let loudest = -120;
    for (; start + FRAME <= joined.length; start += FRAME) {
      const db = frameDb(joined, start);
      loudest = Math.max(loudest, db);
      this.noise = this.noise === null ? db : Math.min(this.noise, db);
      const threshold = Math.max(Math.max(this.noise, -75) + 15, -55);
      if (db > threshold) {
        this.loudFrames += 1;
        this.silentMs = 0;
      } else {
        this.loudFrames = 0;
        if (this.speech) this.silentMs += FRAME_MS;
      }
      if (!this.speech && this.loudFrames >= START_FRAMES) {
        this.speech = true;
        keepAwake();
      }
    }
    this.carry = joined.slice(start);
    if (levelBar) levelBar.style.width = Math.max(0, Math.min(100, ((loudest + 60) / 50) * 100)) + "%";
  };

  Session.prototype.takePending = function () {
    const all = new Int16Array(this.pendingLength);
    let offset = 0;
    this.pending.forEach(function (p) { all.set(p, offset); offset += p.length; });
    this.pending = [];
    this.pendingLength = 0;
    return all;
  };

  Session.prototype.send = function (last) {
    const body = new FormData();
    body.append("utterance", this.id);
    body.append("seq", String(this.seq++));
    body.append("last", last ? "1" : "0");
    body.append("audio", wavBlob(this.takePending()), "stuk.wav");
    withConversation(body);
    withPage(body);
    const self = this;
    // One piece after the other: the kiosk feeds them to the recognizer in order.
    this.chain = this.chain.then(function () {
      if (self.aborted) return null;
      return fetch(root.dataset.listenUrl, { method: "POST", body: body, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) throw Object.assign(new Error(data.error || "fout"), { reply: data });
            if (!last && data.partial && !self.ended) setStatus("Ik luister...", data.partial);
            return data;
          });
        });
    });
    // A piece that fails makes the last one fail too, and that one is handled (finish):
    // no piece's failure may end up as an uncaught error in the console.
    if (!last) this.chain.catch(function () {});
    return this.chain;
  };

  Session.prototype.stopCapture = function () {
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    if (this.ctx) this.ctx.close().catch(function () {});
  };

  Session.prototype.finish = function () {
    if (this.ended) return;
    this.ended = true;
    this.stopCapture();
    setMode("thinking", "Even denken...");
    const self = this;
    this.send(true).then(function (reply) {
      if (!reply) return;
      // Words heard before a tap are let go, unless they already ended the dialog (a
      // spoken "ja" signed up): then the ticket is where the resident goes.
      if (self.aborted && !reply.redirect) return;
      if (session === self) session = null;
      handleReply(reply);
    }, function (error) {
      if (self.aborted) return;
      session = null;
      problem(error.reply || { error: "Er ging iets mis met het luisteren. Probeer het nog een keer." });
    });
  };

  Session.prototype.abort = function () {
    this.aborted = true;
    this.ended = true;
    this.stopCapture();
  };

  function listen() {
    if (session || leaving || answering || !canListen()) return;
    const current = session = new Session();
    current.start().catch(function () {
      if (current.aborted) return; // stopped by a tap while starting: not a missing microphone
      current.abort();
      if (session === current) session = null;
      // No microphone, or no permission: said once, and the whole dialog goes on by
      // touch (the kiosk stops asking to "say" things and stops listening).
      noMicrophone = true;
      if (talkButton) talkButton.hidden = true;
      fitStatus();
      answer("geen-microfoon");
    });
  }

  function stopListening() {
    if (session) session.abort();
    session = null;
  }

  // --- the list of activities: as many as fit --------------------------------------------

  // The server sends up to four activities from "vanaf"; the screen keeps those that fit
  // (fewer with "Grotere letters", at least one) and sends with every answer which ones it
  // shows (vanaf, ruimte), so "wat is er allemaal" reads just those. Meer goes on from the
  // first not shown; Vorige back to where the page before began.
  const pagesBefore = [];
  let shownStart = 0;
  let shownCount = 0;

  function overflows(content) {
    const page = document.scrollingElement || document.documentElement;
    return page.scrollHeight > window.innerHeight + 1 || content.scrollHeight > content.clientHeight + 1;
  }

  function fitChoices() {
    const list = holder.querySelector(".voice-choices");
    if (!list) { shownStart = shownCount = 0; return; }
    const content = list.closest(".screen-content") || list;
    const cards = Array.prototype.slice.call(list.children);
    const start = parseInt(list.dataset.start || "0", 10);
    const total = parseInt(list.dataset.total || "0", 10);
    if (start === 0) pagesBefore.length = 0; // a list from its start: no pages before it
    const more = holder.querySelector("[data-testid=voice-more]");
    const previous = holder.querySelector("[data-testid=voice-previous]");
    cards.forEach(function (card) { card.hidden = false; });
    // Meer and Vorige take their room before the cards are counted.
    if (more) more.hidden = start + cards.length >= total;
    if (previous) previous.hidden = start === 0;
    let count = cards.length;
    while (count > 1 && overflows(content)) cards[--count].hidden = true;
    shownStart = start;
    shownCount = count;
    if (more) {
      more.value = "vanaf:" + (start + count);
      more.hidden = start + count >= total;
    }
    if (previous) {
      const back = pagesBefore.length ? pagesBefore[pagesBefore.length - 1] : Math.max(start - count, 0);
      previous.value = "vanaf:" + back;
      previous.hidden = start === 0;
    }
  }

  // Every answer says which activities the screen showed.
  function withPage(body) {
    if (!shownCount) return;
    body.append("vanaf", String(shownStart));
    body.append("ruimte", String(shownCount));
  }

  // Meer and Vorige move through the pages; any other answer that leaves the list starts
  // the next list at its first page.
  function keepPages(value) {
    if (!value || value.indexOf("vanaf:") !== 0) return;
    const to = parseInt(value.slice(6), 10) || 0;
    if (to > shownStart) pagesBefore.push(shownStart);
    else while (pagesBefore.length && pagesBefore[pagesBefore.length - 1] >= to) pagesBefore.pop();
  }

  // --- the kiosk's answers --------------------------------------------------------------

  // On the way to another page (the ticket, the start): nothing more is sent or shown.
  // What the kiosk says about it ("U bent aangemeld") is said first, with no tap between.
  let leaving = false;
  function leave(url, said) {
    leaving = true;
    stopListening();
    const go = function () { window.location.href = url; };
    if (!said) { go(); return; }
    setMode("speaking", "De kiosk praat...");
    speak(said).then(go, go);
  }

  function problem(reply) {
    if (leaving) return;
    if (reply.redirect) { leave(reply.redirect); return; }
    const message = reply.error || "Er ging iets mis. Probeer het nog een keer.";
    setMode("speaking", message);
    const idle = function () { setMode("idle", message); };
    speakThen(message, idle);
  }

  // What comes after the kiosk has spoken (listen, or wait for a tap) belongs to what it
  // said: a tap meanwhile stops the speech, and then it is the tap's answer that goes on.
  let spoken = 0;
  function speakThen(text, next) {
    const mine = ++spoken;
    const after = function () { if (mine === spoken && !leaving) next(); };
    speak(text).then(after, after);
  }

  function sayThen(text, next) {
    keepAwake();
    setMode("speaking", "De kiosk praat...");
    speakThen(text, next);
  }

  // The kiosk numbers its replies in the order it answered (turn): one that arrives after
  // a newer one (the kiosk's own "geen microfoon" answered before the resident's tap, but
  // got here after it) must not put its older screen back.
  function overtaken(reply) {
    const shown = panel();
    return Boolean(shown && reply.turn !== undefined && Number(shown.dataset.turn) > reply.turn);
  }

  // `arrived`: what to keep of the answer's own once its reply is the one shown.
  function handleReply(reply, arrived) {
    if (leaving || overtaken(reply)) return;
    if (arrived) arrived();
    keepAwake();
    if (reply.redirect) { leave(reply.redirect, reply.say); return; }
    if (kiosk.setVolume) kiosk.setVolume(reply.volume);
    holder.innerHTML = reply.html;
    if (!holder.querySelector(".voice-choices")) pagesBefore.length = 0;
    fitChoices();
    if (readAloud) readAloud.textContent = reply.say;
    // A reload goes on with this dialog (kept on the server); the address holds nothing more.
    if (root.dataset.continueUrl && location.search.indexOf("verder=1") < 0) {
      history.replaceState(null, "", root.dataset.continueUrl);
    }
    const next = function () {
      if (reply.listen) listen();
      else setMode("idle", IDLE_TEXT);
    };
    if (reply.quiet) next();
    else sayThen(reply.say, next);
  }

  // One answer at a time: a second tap before the kiosk has answered the first (a shaky
  // double tap on "Ja, meld mij aan") is not sent; the first one's answer is shown. A
  // kiosk that does not answer in time frees the buttons again.
  const ANSWER_WAIT_MS = 20000;
  let answering = false;

  // `arrived`: what to keep once the kiosk has answered (a failed Meer moved no page).
  // `tapped`: a tap's answer, which holds back the next tap until it is answered.
  function post(body, arrived, tapped) {
    if (tapped) answering = true;
    setMode("thinking", "Even denken...");
    const late = new AbortController();
    const timer = setTimeout(function () { late.abort(); }, ANSWER_WAIT_MS);
    fetch(root.dataset.answerUrl, {
      method: "POST", body: body, headers: { Accept: "application/json" }, signal: late.signal,
    })
      .then(function (response) { return response.json(); })
      .then(function (reply) {
        clearTimeout(timer);
        if (tapped) answering = false;
        handleReply(reply, arrived);
      })
      .catch(function () { clearTimeout(timer); if (tapped) answering = false; problem({}); });
  }

  function answer(value) {
    const body = new FormData();
    body.append("answer", value);
    withConversation(body);
    withPage(body);
    post(body);
  }

  // Taps: the step's buttons post their answer; the page stays, the step changes.
  holder.addEventListener("submit", function (event) {
    event.preventDefault();
    if (answering || leaving) return;
    spoken += 1;  // what the kiosk was saying, and what was to follow it, is over
    stopListening();
    if (kiosk.stopSpeaking) kiosk.stopSpeaking();
    const body = new FormData(event.target, event.submitter);
    const value = event.submitter && event.submitter.value;
    withPage(body);
    post(body, function () { keepPages(value); }, true);
  });

  // A tap on the keys of the name and phone steps (keys.js types it) means: by touch now.
  holder.addEventListener("click", function (event) {
    if (event.target.closest("[data-for] button")) stopListening();
  });

  // "Lees voor" while the microphone is open would have the kiosk listen to itself.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-read-aloud]") || !session) return;
    stopListening();
    setMode("idle", IDLE_TEXT);
  }, true);

  if (talkButton) {
    talkButton.addEventListener("click", function () {
      if (kiosk.stopSpeaking) kiosk.stopSpeaking();
      listen();
    });
  }

  // Back to this page from the browser's memory (back/forward cache): what it shows may be
  // the previous resident's. Start again instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) location.replace(root.dataset.home);
  });

  // Letters bigger or smaller, another font loaded, the screen turned: fit the list again.
  function fitAll() { fitChoices(); fitStatus(); }
  document.addEventListener("buurtkiosk:letters", fitAll);
  window.addEventListener("resize", fitAll);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitAll);
  fitChoices();

  window.buurtkioskVoice = { listen: listen, stop: stopListening, makeDownsampler: makeDownsampler };

  // The first question, spoken, then listen.
  const first = panel();
  const firstListen = root.dataset.listen === "true";
  if (first && first.dataset.step === "stopped") {
    sayThen(first.dataset.say, function () { window.location.href = root.dataset.home; });
  } else {
    sayThen(first ? first.dataset.say : "", function () {
      if (firstListen) listen();
      else setMode("idle", IDLE_TEXT);
    });
  }
})();
