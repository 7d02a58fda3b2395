// One JSON endpoint driven by a control: at most one request in flight; while one is out, only
// the newest body waits (intermediate slider positions are skipped, never queued). Each result
// is handed to `onResult`, and `lastMs` is the time from the change to the result drawn.

export class LatestRequest {
  /**
   * @param url the endpoint (POSTed a JSON body)
   * @param onResult fn(json, body): draw it
   * @param onError fn(message): show a refused request (the server's message names the field)
   */
  constructor(url, onResult, onError = (m) => console.warn(m)) {
    this.url = url;
    this.onResult = onResult;
    this.onError = onError;
    this.busy = false;
    this.next = null;
    this.lastMs = null;
    this.count = 0;
  }

  /** Ask for `body`; resolves when it (or a newer body that replaced it) has been drawn. */
  send(body) {
    return new Promise((resolve) => {
      this.next?.done(); // superseded: drawn by the newer request
      this.next = { body, t0: performance.now(), done: resolve };
      if (!this.busy) this._pump();
    });
  }

  async _pump() {
    const job = this.next;
    this.next = null;
    this.busy = true;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(job.body),
      });
      const json = await response.json();
      if (!response.ok) {
        const detail = Array.isArray(json.detail) ? json.detail.map((d) => d.msg).join("; ") : json.detail;
        this.onError(String(detail));
      } else {
        this.onResult(json, job.body);
        this.lastMs = performance.now() - job.t0;
        this.count++;
      }
    } catch (err) {
      this.onError(`${this.url}: ${err.message}`);
    } finally {
      this.busy = false;
      job.done?.();
      if (this.next) {
        // The newer body inherits nothing: its own clock started when it was asked for.
        this._pump();
      }
    }
  }
}

/** ∞ for null (an infinite divergence sent as JSON null), else a short number. */
export function showValue(v, digits = 4) {
  if (v === null || v === undefined) return "∞";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2).replace("-", "−");
  return Number(v.toFixed(digits)).toString().replace("-", "−");
}
