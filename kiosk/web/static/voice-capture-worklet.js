// Runs on the browser's audio thread: passes the microphone's samples to voice.js in
// blocks of 2048 (about 45 ms), not 128 at a time, to keep the messages few.
class BuurtkioskCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(2048);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      for (let i = 0; i < channel.length; i++) {
        this.block[this.filled++] = channel[i];
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block.slice(0));
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("buurtkiosk-capture", BuurtkioskCapture);
