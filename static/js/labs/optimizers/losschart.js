// Loss per step for every racer: f − f* on a log scale when the surface has a finite minimum,
// f itself (linear) when it has none (the saddle). Trails' losses arrive with every frame.

import { racerColor } from "./colors.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: true };
const KEEP = 5000; // points kept per line

export class RaceLossChart {
  constructor(el) {
    this.el = el;
    this.drawn = false;
  }

  /** A new race: one empty line per racer (the next frame brings step 0 onward). */
  reset(labels, fmin) {
    this.fmin = fmin;
    this.log = fmin !== null && fmin !== undefined;
    this.labels = labels;
    this.pending = labels.map(() => ({ x: [], y: [] }));
    const traces = labels.map((label, i) => ({
      type: "scatter", mode: "lines", name: label, x: [], y: [],
      line: { color: racerColor(i), width: 2 },
      hovertemplate: `${label}: %{y:.3e}<extra></extra>`,
    }));
    const layout = {
      margin: { l: 58, r: 10, t: 8, b: 38 },
      xaxis: { title: { text: "step", standoff: 4 }, zeroline: false, rangemode: "tozero" },
      yaxis: {
        title: { text: this.log ? "f − f* (log scale)" : "f", standoff: 4 },
        type: this.log ? "log" : "linear", exponentformat: "power",
      },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      showlegend: true, hovermode: "x unified",
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", font: { size: 11 }, uirevision: "race-loss",
    };
    Plotly.react(this.el, traces, layout, PLOT_CONFIG);
    this.drawn = true;
  }

  /** What is plotted for a loss: the gap (a gap of 0 cannot be drawn on a log axis). */
  value(loss) {
    if (loss === null || loss === undefined) return null;
    if (!this.log) return loss;
    const gap = loss - this.fmin;
    return gap > 0 ? gap : null;
  }

  /** New points: per racer the steps (first, first + 1, ...) and losses of a frame's trail. */
  extend(trails, lastSteps) {
    trails.forEach((t, i) => {
      const q = this.pending[i];
      if (!q) return;
      const first = lastSteps[i] - t.loss.length + 1;
      t.loss.forEach((loss, j) => {
        q.x.push(first + j);
        q.y.push(this.value(loss));
      });
    });
  }

  draw() {
    if (!this.drawn) return;
    const idx = [];
    const update = { x: [], y: [] };
    this.pending.forEach((q, i) => {
      if (!q.x.length) return;
      idx.push(i);
      update.x.push(q.x);
      update.y.push(q.y);
    });
    if (!idx.length) return;
    this.pending = this.labels.map(() => ({ x: [], y: [] }));
    Plotly.extendTraces(this.el, update, idx, KEEP);
  }
}
