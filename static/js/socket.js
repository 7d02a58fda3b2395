// The websocket client: one connection to /ws/train, reconnects with back-off, numbers every
// command (`seq`) and tracks the highest one the server has applied.

export class TrainSocket {
  /**
   * @param handlers {type: fn(msg)} for server messages, plus `open()` (each (re)connection:
   *   send `start` there) and `close(event)`.
   */
  constructor(handlers, path = "/ws/train") {
    this.handlers = handlers;
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.seq = 0;
    this.applied = 0;
    this.delay = 500;
    this.ws = null;
    this.closedByUs = false;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 500;
      this.handlers.open?.();
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === "frame" && Number.isInteger(msg.applied)) {
        this.applied = Math.max(this.applied, msg.applied);
      }
      this.handlers[msg.type]?.(msg);
    };
    ws.onclose = (event) => {
      this.handlers.close?.(event);
      if (this.closedByUs) return;
      // 1013: the server is full; wait longer before trying again.
      const wait = event.code === 1013 ? Math.max(this.delay, 5000) : this.delay;
      this.delay = Math.min(this.delay * 2, 10000);
      setTimeout(() => this.connect(), wait);
    };
  }

  get open() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a command; returns its seq (0 when the socket is not open). */
  send(type, fields = {}) {
    if (!this.open) return 0;
    const seq = ++this.seq;
    this.ws.send(JSON.stringify({ type, seq, ...fields }));
    return seq;
  }

  close() {
    this.closedByUs = true;
    this.ws?.close();
  }
}
