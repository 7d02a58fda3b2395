// Gradient norm of every Dense layer over time: one column per frame (x = epoch), one row per
// layer (input at the bottom), colour = log10 ‖∂L/∂W‖. Columns accumulate on the page; past
// MAX_COLUMNS every other one is dropped, so an hour-long run stays cheap to draw.

import { PLOT_CONFIG, baseLayout } from "./palette.js";

const MAX_COLUMNS = 400;
const log10 = (v) => (v === null || !(v > 0) || !Number.isFinite(v) ? null : Math.log10(v));

export class DepthHeatmap {
  constructor(el) {
    this.el = el;
    this.reset();
  }

  reset() {
    this.epochs = [];
    this.columns = [];
    this.labels = [];
    this.dirty = true;
  }

  /** A frame's `gradients` (one entry per Dense layer, the last is the output layer). */
  push(epoch, gradients) {
    if (!gradients?.length) return;
    if (this.epochs.length && epoch <= this.epochs.at(-1)) {
      // A step back in time (rewind, restart): start over.
      if (epoch < this.epochs.at(-1)) this.reset();
      else return;
    }
    const n = gradients.length;
    this.labels = gradients.map((g, i) => (i === n - 1 ? "out" : String(g.layer + 1)));
    this.epochs.push(epoch);
    this.columns.push(gradients.map((g) => log10(g.grad_norm)));
    if (this.columns.length > MAX_COLUMNS) {
      const keep = (_, i) => i % 2 === 0 || i === this.columns.length - 1;
      this.columns = this.columns.filter(keep);
      this.epochs = this.epochs.filter(keep);
    }
    this.dirty = true;
  }

  /** The z matrix as drawn: z[layer][column]. */
  matrix() {
    return this.labels.map((_, l) => this.columns.map((c) => c[l] ?? null));
  }

  draw() {
    if (!this.dirty || !window.Plotly) return;
    this.dirty = false;
    const trace = {
      type: "heatmap",
      x: this.epochs.slice(),
      y: this.labels.slice(),
      z: this.matrix(),
      colorscale: "Viridis",
      colorbar: { title: { text: "log₁₀‖∂L/∂W‖", side: "right" }, thickness: 12, len: 0.95 },
      hovertemplate: "epoch %{x}, layer %{y}<br>log₁₀‖∂L/∂W‖ = %{z:.2f}<extra></extra>",
      hoverongaps: false,
    };
    Plotly.react(
      this.el,
      [trace],
      baseLayout({
        margin: { l: 52, r: 8, t: 8, b: 40 },
        xaxis: { title: { text: "epoch", standoff: 4 } },
        yaxis: { title: { text: "Dense layer (input ↑ output)", standoff: 4 }, type: "category" },
        uirevision: "heat",
      }),
      PLOT_CONFIG,
    );
  }
}
