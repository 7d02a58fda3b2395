// Train and test loss over epochs: the raw values faint behind, smoothed curves on top
// (TensorBoard's debiased exponential moving average, weight 0..0.999).
//
// Every epoch is kept; the plot holds at most MAX_POINTS per curve (every `stride`-th epoch,
// the stride doubling when it fills), so a long run stays cheap to draw.

import { TEST_COLOR, TRAIN_COLOR } from "../colors.js";

const MAX_POINTS = 3000;
const PLOT_CONFIG = { displayModeBar: false, responsive: true };

/** TensorBoard's smoothing: an EMA started at 0, divided by (1 - w^count) to remove the bias. */
export class DebiasedEMA {
  constructor(weight) {
    this.weight = weight;
    this.last = 0;
    this.count = 0;
  }

  push(y) {
    if (y === null || !Number.isFinite(y)) return null;
    this.last = this.last * this.weight + (1 - this.weight) * y;
    this.count++;
    const debias = this.weight === 1 ? 1 : 1 - this.weight ** this.count;
    return this.last / debias;
  }
}

export class LossChart {
  constructor(el) {
    this.el = el;
    this.smoothing = 0.6;
    this.logY = false;
    this.reset();
  }

  reset() {
    this.raw = { epoch: [], train: [], test: [] };
    this._resetPlot();
    this.drawn = false;
    this.marker = null;
    this.lastEpoch = -1;
  }

  _resetPlot() {
    this.stride = 1;
    this.plot = { epoch: [], train: [], test: [], trainS: [], testS: [] };
    this.pending = { epoch: [], train: [], test: [], trainS: [], testS: [] };
    this.emaTrain = new DebiasedEMA(this.smoothing);
    this.emaTest = new DebiasedEMA(this.smoothing);
    this.rebuild = true;
  }

  get epochs() {
    return this.raw.epoch.length;
  }

  /** A frame's `history`: {epoch: [...], train_loss: [...], test_loss: [...]}. */
  append(history) {
    if (!history?.epoch?.length) return;
    const { epoch, train_loss: train, test_loss: test } = history;
    for (let i = 0; i < epoch.length; i++) {
      if (epoch[i] <= this.lastEpoch) continue; // already have it
      this.lastEpoch = epoch[i];
      this.raw.epoch.push(epoch[i]);
      this.raw.train.push(train[i]);
      this.raw.test.push(test?.[i] ?? null);
      this._add(this.raw.epoch.length - 1);
    }
  }

  _add(i) {
    const ts = this.emaTrain.push(this.raw.train[i]);
    const es = this.emaTest.push(this.raw.test[i]);
    if (i % this.stride !== 0) return;
    const p = this.pending;
    p.epoch.push(this.raw.epoch[i]);
    p.train.push(this.raw.train[i]);
    p.test.push(this.raw.test[i]);
    p.trainS.push(ts);
    p.testS.push(es);
    if (this.plot.epoch.length + p.epoch.length > MAX_POINTS) this._decimate();
  }

  /** Double the stride: rebuild the plotted points from the raw ones. */
  _decimate() {
    const stride = this.stride * 2;
    this._resetPlot();
    this.stride = stride;
    const n = this.raw.epoch.length;
    const saved = this.raw;
    for (let i = 0; i < n; i++) {
      const ts = this.emaTrain.push(saved.train[i]);
      const es = this.emaTest.push(saved.test[i]);
      if (i % stride !== 0 && i !== n - 1) continue;
      this.plot.epoch.push(saved.epoch[i]);
      this.plot.train.push(saved.train[i]);
      this.plot.test.push(saved.test[i]);
      this.plot.trainS.push(ts);
      this.plot.testS.push(es);
    }
    this.pending = { epoch: [], train: [], test: [], trainS: [], testS: [] };
  }

  setSmoothing(weight) {
    this.smoothing = weight;
    const stride = this.stride;
    this._resetPlot();
    this.stride = stride / 2 >= 1 ? stride / 2 : 1;
    this._decimate();
    this.draw();
  }

  setLogY(on) {
    this.logY = on;
    this.rebuild = true;
    this.draw();
  }

  /** A dashed line at `epoch` (the scrubber's position), or null. */
  markEpoch(epoch) {
    this.marker = epoch;
    if (this.drawn) Plotly.relayout(this.el, { shapes: this._shapes() });
  }

  _shapes() {
    if (this.marker === null || this.marker === undefined) return [];
    return [{
      type: "line", xref: "x", yref: "paper", x0: this.marker, x1: this.marker, y0: 0, y1: 1,
      line: { color: "#555", width: 1, dash: "dot" },
    }];
  }

  _layout() {
    return {
      margin: { l: 52, r: 10, t: 8, b: 38 },
      xaxis: { title: { text: "epoch", standoff: 4 }, zeroline: false, rangemode: "tozero" },
      yaxis: {
        title: { text: "loss", standoff: 4 },
        type: this.logY ? "log" : "linear",
        rangemode: this.logY ? "normal" : "tozero",
        exponentformat: "power",
      },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      hovermode: "x unified",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "#ffffff",
      font: { size: 11 },
      shapes: this._shapes(),
      uirevision: "loss",
    };
  }

  _traces() {
    const p = this.plot;
    const line = (name, y, color, raw, group) => ({
      type: "scatter",
      mode: "lines",
      name,
      x: p.epoch.slice(), // own copies: extendTraces may grow the arrays it was given
      y: y.slice(),
      legendgroup: group,
      showlegend: !raw,
      hoverinfo: raw ? "skip" : undefined,
      hovertemplate: raw ? undefined : `${name} %{y:.4f}<extra></extra>`,
      line: { color, width: raw ? 1 : 2 },
      opacity: raw ? 0.25 : 1,
      connectgaps: false,
    });
    return [
      line("train (raw)", p.train, TRAIN_COLOR, true, "train"),
      line("test (raw)", p.test, TEST_COLOR, true, "test"),
      line("train loss", p.trainS, TRAIN_COLOR, false, "train"),
      line("test loss", p.testS, TEST_COLOR, false, "test"),
    ];
  }

  /** Put pending points on the plot: extendTraces, or a full react after a rebuild. */
  draw() {
    if (!window.Plotly) return;
    const q = this.pending;
    if (this.rebuild || !this.drawn) {
      for (const k of Object.keys(q)) this.plot[k].push(...q[k]);
      this.pending = { epoch: [], train: [], test: [], trainS: [], testS: [] };
      Plotly.react(this.el, this._traces(), this._layout(), PLOT_CONFIG);
      this.drawn = true;
      this.rebuild = false;
      return;
    }
    if (!q.epoch.length) return;
    this.pending = { epoch: [], train: [], test: [], trainS: [], testS: [] };
    for (const k of Object.keys(q)) this.plot[k].push(...q[k]);
    Plotly.extendTraces(
      this.el,
      { x: [q.epoch, q.epoch, q.epoch, q.epoch], y: [q.train, q.test, q.trainS, q.testS] },
      [0, 1, 2, 3],
    );
  }
}
