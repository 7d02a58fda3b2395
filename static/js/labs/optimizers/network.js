// Batch vs mini-batch vs stochastic on a real network: one trainer session per batch size
// (same config, same data and init seeds: the same initial weights), started, paused and
// restarted together. The batch session also carries the `gradient_spread` view (app/labs/
// optimizers.py) for the mini-batch size.

import { TrainSocket } from "../../socket.js";
import { componentSelect, h, humanize, paramControl } from "../../catalog.js";
import { CompareCharts } from "./netcharts.js";
import { SpreadChart } from "./spread.js";

const $ = (id) => document.getElementById(id);
const FULL = "full";
const HIDDEN = [[4, 2], [8, 8], [8, 8, 8], [16, 16]]; // the architectures offered
const MINI = [2, 5, 10, 25, 50]; // mini-batch sizes offered
const SPREAD_SAMPLES = 200;
const CHART_FPS = 8; // redraws of the three loss charts per second

class Clock {
  constructor() {
    this.reset();
  }

  reset() {
    this.total = 0;
    this.since = null;
  }

  run(on) {
    const now = performance.now();
    if (on && this.since === null) this.since = now;
    if (!on && this.since !== null) {
      this.total += now - this.since;
      this.since = null;
    }
  }

  /** Seconds of running time so far. */
  get seconds() {
    return (this.total + (this.since === null ? 0 : performance.now() - this.since)) / 1000;
  }
}

export class BatchComparison {
  constructor(catalog, banner) {
    this.catalog = catalog;
    this.banner = banner;
    const d = catalog.defaults;
    this.settings = { dataset: d.dataset, hidden: d.hidden, optimizer: d.optimizer.name, lr: d.optimizer.lr, mini: d.batch_size };
    this.runs = [
      { key: "batch", label: "batch (full)", color: "#183d4e", size: FULL },
      { key: "mini", label: "mini-batch", color: "#0877bd", size: "mini" },
      { key: "stochastic", label: "stochastic (1)", color: "#f59322", size: 1 },
    ];
    this.playing = false;
    this.clock = new Clock();
    this.scheduled = false;
  }

  init() {
    this.charts = new CompareCharts({ epochs: $("net-epochs"), work: $("net-work"), time: $("net-time") }, this.runs);
    this.spread = new SpreadChart($("spread"), $("spread-stats"));
    this.buildControls();
    this.buildTable();
    this.runs.forEach((run, r) => {
      run.nTrain = 0;
      run.batch = this.batchOf(run);
      run.state = "paused";
      run.socket = new TrainSocket({
        open: () => this.startRun(r),
        close: () => this.setConn("bad", "disconnected: reconnecting…"),
        points: (m) => this.onPoints(r, m),
        frame: (m) => this.onFrame(r, m),
        status: (m) => this.onStatus(r, m),
        error: (m) => this.banner(`${run.label}: ${m.message}`),
      });
    });
    $("net-play").addEventListener("click", () => this.setPlaying(!this.playing));
    $("net-rewind").addEventListener("click", () => this.restart());
    this.charts.draw();
  }

  batchOf(run) {
    if (run.size === FULL) return run.nTrain || this.catalog.limits.max_batch_size;
    return run.size === "mini" ? this.settings.mini : run.size;
  }

  config(run) {
    const s = this.settings;
    return {
      ...this.catalog.defaults, dataset: s.dataset, hidden: s.hidden,
      optimizer: { name: s.optimizer, lr: s.lr }, batch_size: this.batchOf(run),
    };
  }

  // ---- controls -------------------------------------------------------------------------------

  buildControls() {
    const s = this.settings;
    const dataset = componentSelect({
      id: "net-dataset", label: "Dataset", items: this.catalog.datasets, value: s.dataset,
      help: "The data the three runs train on", onChange: (v) => this.change({ dataset: v }),
    });
    const hidden = h("select", { id: "ctl-net-hidden", "aria-label": "Hidden layers", title: "Hidden layers: the network's widths" },
      ...HIDDEN.map((w) => h("option", { value: w.join(","), text: `[${w.join(", ")}]` })));
    hidden.value = s.hidden.join(",");
    hidden.addEventListener("change", () => this.change({ hidden: hidden.value.split(",").map(Number) }));
    const optimizer = componentSelect({
      id: "net-optimizer", label: "Optimizer", items: this.catalog.optimizers, value: s.optimizer,
      help: "The optimizer all three use", onChange: (v) => this.change({ optimizer: v }),
    });
    this.lrControl = () => {
      const p = this.catalog.optimizers.find((o) => o.name === this.settings.optimizer).params.find((q) => q.name === "lr");
      return paramControl({ id: "net-lr", param: p, value: this.settings.lr, label: "Learning rate",
        onChange: (v) => this.change({ lr: v }) });
    };
    this.lrWrap = h("div", {}, this.lrControl().el);
    const mini = h("select", { id: "ctl-net-mini", "aria-label": "Mini-batch size", title: "Mini-batch size: examples per step of the mini-batch run (and of the gradient spread)" },
      ...MINI.map((b) => h("option", { value: String(b), text: String(b) })));
    mini.value = String(s.mini);
    mini.addEventListener("change", () => this.change({ mini: Number(mini.value) }));
    const labelled = (id, text, el) => h("div", { class: "control control-select" }, h("label", { for: id, text }), el);
    $("net-controls").replaceChildren(dataset.el, labelled("ctl-net-hidden", "Hidden layers", hidden), optimizer.el,
      this.lrWrap, labelled("ctl-net-mini", "Mini-batch size", mini));
    const axis = h("select", { id: "ctl-net-work", "aria-label": "Work axis", title: "Measure work in gradient evaluations (examples) or in optimizer updates" },
      h("option", { value: "examples", text: "gradient evaluations" }), h("option", { value: "updates", text: "updates" }));
    axis.addEventListener("change", () => this.charts.setWork(axis.value));
    $("net-work-axis").replaceChildren(axis);
  }

  buildTable() {
    this.rows = this.runs.map((run) => {
      const cells = Array.from({ length: 6 }, () => h("td", { class: "num" }));
      const row = h("tr", { "data-run": run.key },
        h("td", {}, h("span", { class: "opt-swatch", style: `background:${run.color}` }), h("span", { text: humanize(run.label) })), ...cells);
      return { row, cells };
    });
    $("net-readout-body").replaceChildren(...this.rows.map((r) => r.row));
  }

  change(changes) {
    const optimizerChanged = "optimizer" in changes;
    Object.assign(this.settings, changes);
    if (optimizerChanged) {
      const p = this.catalog.optimizers.find((o) => o.name === this.settings.optimizer).params.find((q) => q.name === "lr");
      if (this.settings.lr < p.low || this.settings.lr > p.high) this.settings.lr = p.default;
      this.lrWrap.replaceChildren(this.lrControl().el);
    }
    const resume = this.playing;
    this.restart(true);
    if (resume) this.setPlaying(true);
  }

  setConn(kind, text) {
    const el = $("net-conn");
    el.dataset.kind = kind;
    el.textContent = text;
  }

  // ---- sessions -------------------------------------------------------------------------------

  startRun(r) {
    const run = this.runs[r];
    this.setConn("ok", "connected");
    run.batch = this.batchOf(run);
    const views = run.size === FULL ? ["metrics", "gradient_spread"] : ["metrics"];
    const options = run.size === FULL ? { spread_batch: this.settings.mini, spread_samples: SPREAD_SAMPLES, spread_seed: 1 } : {};
    run.since = run.socket.send("start", { config: this.config(run), views, options, play: false });
    if (this.playing) run.socket.send("play");
  }

  /** Everything back to epoch 0 from the same initial weights; `rebuild` sends the settings. */
  restart(rebuild = false) {
    this.setPlaying(false);
    this.clock.reset();
    this.charts.clear();
    this.charts.draw();
    this.runs.forEach((run, r) => {
      run.epoch = 0;
      if (rebuild) this.startRun(r);
      else run.since = run.socket.send("rewind");
    });
  }

  setPlaying(on) {
    this.playing = on;
    this.clock.run(on);
    for (const run of this.runs) run.socket.send(on ? "play" : "pause");
    const play = $("net-play");
    play.classList.toggle("running", on);
    play.setAttribute("aria-label", on ? "Pause" : "Play");
    play.title = on ? "Pause: stop all three" : "Play: train all three together";
    document.body.dataset.netState = on ? "running" : "paused";
  }

  onPoints(r, m) {
    const run = this.runs[r];
    run.nTrain = m.train.x.length;
    if (run.size === FULL && run.batch !== run.nTrain) {
      run.batch = run.nTrain; // the whole training set per step
      run.socket.send("configure", { changes: { batch_size: run.nTrain } });
    }
  }

  onStatus(r, m) {
    this.runs[r].state = m.state;
    if (m.state === "diverged") this.banner(`${this.runs[r].label}: ${m.message}`);
    if (this.playing && this.runs.every((run) => run.state !== "running") && this.runs.some((run) => run.state === "diverged")) {
      this.setPlaying(false);
    }
  }

  onFrame(r, m) {
    const run = this.runs[r];
    if (m.applied < (run.since ?? 0)) return; // from before the last start or rewind
    if (m.history?.epoch?.length) this.charts.append(r, m.history, this.clock.seconds);
    run.epoch = m.epoch;
    run.metrics = m.metrics;
    if (m.gradient_spread) this.latestSpread = m.gradient_spread;
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.scheduled = false;
    const t0 = performance.now();
    // The curves change slowly: redraw them at most CHART_FPS times a second.
    if (t0 - (this.chartsAt ?? 0) >= 1000 / CHART_FPS) {
      this.charts.draw();
      this.chartsAt = t0;
    } else if (!this.chartTimer) {
      this.chartTimer = setTimeout(() => {
        this.chartTimer = null;
        if (!this.scheduled) {
          this.scheduled = true;
          requestAnimationFrame(() => this.draw());
        }
      }, 1000 / CHART_FPS);
    }
    if (this.latestSpread && t0 - (this.spreadAt ?? 0) > 250) {
      this.spread.update(this.latestSpread);
      this.latestSpread = null;
      this.spreadAt = t0;
    }
    this.runs.forEach((run, r) => {
      const { cells, row } = this.rows[r];
      const metrics = run.metrics ?? {};
      const updates = run.nTrain ? (run.epoch ?? 0) * Math.ceil(run.nTrain / run.batch) : 0;
      const values = [String(run.batch), String(run.epoch ?? 0), updates.toLocaleString("en"),
        fmt(metrics.train_loss), fmt(metrics.test_loss), run.state];
      cells.forEach((c, j) => (c.textContent = values[j]));
      row.dataset.epoch = String(run.epoch ?? 0);
    });
    document.body.dataset.netDrawMs = (performance.now() - t0).toFixed(2);
  }
}

const fmt = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(4));
