// The last frames, kept for the time scrubber (the raw frame messages: grids stay compressed).

export class Recorder {
  constructor(capacity = 500) {
    this.capacity = capacity;
    this.frames = [];
  }

  push(frame) {
    const last = this.frames[this.frames.length - 1];
    if (last && frame.epoch < last.epoch) this.frames = []; // a reset or rewind: a new run
    if (last && frame.epoch === last.epoch) this.frames[this.frames.length - 1] = frame;
    else this.frames.push(frame);
    if (this.frames.length > this.capacity) this.frames.shift();
  }

  get length() {
    return this.frames.length;
  }

  at(i) {
    return this.frames[Math.max(0, Math.min(i, this.frames.length - 1))];
  }

  reset() {
    this.frames = [];
  }
}
