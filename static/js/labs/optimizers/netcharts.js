// Loss of the batch, mini-batch and stochastic runs against epochs, against work (gradient
// evaluations or updates) and against wall time: three plots fed by one store. Every epoch is
// kept; each plot holds at most MAX_POINTS per run (every stride-th epoch, the stride doubling
// when it fills), so a long run stays cheap to draw.

const PLOT_CONFIG = { displayModeBar: false, responsive: true };
const MAX_POINTS = 2000;

const AXES = {
  epochs: { title: "epoch", x: (p) => p.epoch },
  examples: { title: "gradient evaluations (examples processed)", x: (p, run) => p.epoch * run.nTrain },
  updates: { title: "updates (optimizer steps)", x: (p, run) => p.epoch * Math.ceil(run.nTrain / run.batch) },
  time: { title: "wall time (s, page clock at frame arrival)", x: (p) => p.t },
};

export class CompareCharts {
  /** @param {object} plots {epochs: el, work: el, time: el}; runs [{label, color}] */
  constructor(plots, runs) {
    this.plots = plots;
    this.runs = runs;
    this.work = "examples";
    this.clear();
  }

  clear() {
    this.data = this.runs.map(() => []);
    this.stride = this.runs.map(() => 1);
    this.pending = this.runs.map(() => []);
    this.rebuild = true;
  }

  setWork(axis) {
    this.work = axis;
    this.rebuild = true;
    this.draw();
  }

  /** A frame's history for run r, all its epochs stamped with time t (seconds). */
  append(r, history, t) {
    const data = this.data[r];
    const last = data.length ? data[data.length - 1].epoch : -1;
    history.epoch.forEach((epoch, i) => {
      if (epoch <= last) return;
      const point = { epoch, loss: history.train_loss[i], t };
      data.push(point);
      if ((data.length - 1) % this.stride[r] === 0) this.pending[r].push(point);
    });
    if (data.length / this.stride[r] > MAX_POINTS) {
      this.stride[r] *= 2;
      this.rebuild = true;
    }
  }

  _axes() {
    return { epochs: AXES.epochs, work: AXES[this.work], time: AXES.time };
  }

  _plotted(r) {
    return this.data[r].filter((_, i) => i % this.stride[r] === 0 || i === this.data[r].length - 1);
  }

  draw() {
    if (!window.Plotly) return;
    const axes = this._axes();
    if (this.rebuild) {
      this.rebuild = false;
      this.pending = this.runs.map(() => []);
      for (const [key, axis] of Object.entries(axes)) {
        const traces = this.runs.map((run, r) => {
          const pts = this._plotted(r);
          return {
            type: "scatter", mode: "lines", name: run.label, x: pts.map((p) => axis.x(p, run)),
            y: pts.map((p) => p.loss), line: { color: run.color, width: 2 },
            hovertemplate: `${run.label}: %{y:.4f}<extra></extra>`,
          };
        });
        Plotly.react(this.plots[key], traces, this._layout(axis.title), PLOT_CONFIG);
      }
      return;
    }
    const idx = [];
    const pend = [];
    this.pending.forEach((q, r) => {
      if (q.length) {
        idx.push(r);
        pend.push(q);
      }
    });
    if (!idx.length) return;
    this.pending = this.runs.map(() => []);
    for (const [key, axis] of Object.entries(axes)) {
      const x = pend.map((q, j) => q.map((p) => axis.x(p, this.runs[idx[j]])));
      const y = pend.map((q) => q.map((p) => p.loss));
      Plotly.extendTraces(this.plots[key], { x, y }, idx);
    }
  }

  _layout(xTitle) {
    return {
      margin: { l: 54, r: 10, t: 8, b: 38 },
      xaxis: { title: { text: xTitle, standoff: 4 }, zeroline: false, rangemode: "tozero", exponentformat: "SI" },
      yaxis: { title: { text: "training loss (log)", standoff: 4 }, type: "log", exponentformat: "power" },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      hovermode: "x unified", paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", font: { size: 11 },
    };
  }
}
