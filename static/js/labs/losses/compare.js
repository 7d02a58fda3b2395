// BCE against squared error, training side by side: two websocket sessions (the shared
// TrainSocket, run "trainer") start from the same config and seeds, differing only in the
// output head ("bce" or "sigmoid_mse"). Play/Pause, Step and Rewind drive both; one chart shows
// both training losses (left axis) and test accuracies (right axis, dashed).

import { TrainSocket } from "../../socket.js";
import { componentSelect, h, paramControl } from "../../catalog.js";
import { PLOT_CONFIG, baseLayout } from "../activations/palette.js";

const $ = (id) => document.getElementById(id);
const COLORS = { bce: "#0877bd", sigmoid_mse: "#f59322" };
const MAX_POINTS = 4000;
const EPOCHS_PER_SECOND = 20;

class Run {
  constructor(head, owner) {
    this.head = head;
    this.owner = owner;
    this.running = false;
    this.clear();
    this.socket = new TrainSocket({
      open: () => owner.startOne(this),
      hello: () => owner.connection("connected", "ok"),
      close: () => owner.connection("reconnecting…", "bad"),
      status: (m) => {
        this.running = m.state === "running";
        owner.onStatus();
      },
      network: () => this.clear(),
      frame: (m) => this.onFrame(m),
      error: (m) => owner.showError(`${head}: ${m.message}`),
    });
  }

  clear() {
    this.loss = { x: [], y: [] };
    this.acc = { x: [], y: [] };
    this.epoch = 0;
    this.last = -1;
  }

  onFrame(m) {
    if (m.epoch < this.last) this.clear();
    const hist = m.history ?? { epoch: [] };
    for (let i = 0; i < hist.epoch.length; i++) {
      if (hist.epoch[i] <= this.last) continue;
      this.loss.x.push(hist.epoch[i]);
      this.loss.y.push(hist.train_loss[i]);
    }
    if (m.metrics && m.epoch > this.last) {
      this.acc.x.push(m.epoch);
      this.acc.y.push(m.metrics.test_accuracy);
    }
    this.last = Math.max(this.last, m.epoch);
    this.epoch = m.epoch;
    this.metrics = m.metrics;
    if (this.loss.x.length > MAX_POINTS) {
      const keep = (_, i) => i % 2 === 0;
      this.loss = { x: this.loss.x.filter(keep), y: this.loss.y.filter(keep) };
    }
    this.owner.schedule();
  }
}

export class ComparePanel {
  constructor(catalog, lab) {
    this.catalog = catalog;
    this.lab = lab;
    this.config = structuredClone(lab.compare);
    this.pending = false;
    this.runs = Object.keys(lab.heads).map((head) => new Run(head, this));
    this.buildControls();
    this.buildReadouts();
    $("play").addEventListener("click", () => this.sendAll(this.running ? "pause" : "play"));
    $("step").addEventListener("click", () => this.sendAll("step", { epochs: 1 }));
    $("rewind").addEventListener("click", () => this.sendAll("rewind"));
    document.addEventListener("keydown", (e) => {
      if (e.code !== "Space" || e.target.closest("input, select, button, textarea, [tabindex]")) return;
      e.preventDefault();
      $("play").click();
    });
  }

  get running() {
    return this.runs.some((r) => r.running);
  }

  sendAll(type, fields = {}) {
    for (const r of this.runs) r.socket.send(type, fields);
  }

  startOne(run) {
    $("compare-error").hidden = true;
    run.socket.send("start", { config: { ...this.config, output: run.head }, play: this.running, views: ["metrics"] });
    // Slow enough to watch the first epochs, where the two losses differ most.
    run.socket.send("speed", { epochs_per_second: EPOCHS_PER_SECOND });
  }

  restart() {
    for (const r of this.runs) this.startOne(r);
  }

  buildControls() {
    const normal = this.catalog.initializers.find((c) => c.name === "normal");
    const std = normal.params.find((p) => p.name === "std");
    const sgd = this.catalog.optimizers.find((c) => c.name === this.config.optimizer.name);
    const lr = sgd.params.find((p) => p.name === "lr");
    $("compare-controls").append(
      componentSelect({
        id: "compare-dataset", label: "Dataset", value: this.config.dataset.name, help: "the 2-D data both networks learn",
        items: this.catalog.datasets.filter((d) => d.problem !== "regression" && !d.params.some((p) => p.name === "classes")),
        onChange: (v) => {
          this.config.dataset = { name: v };
          this.restart();
        },
      }).el,
      paramControl({
        id: "compare-std", label: "Init std", param: { ...std, help: "standard deviation of the normal initial weights (large: confident, often wrong, first predictions)" },
        value: this.config.init.std,
        onChange: (v) => {
          this.config.init = { ...this.config.init, std: v };
          this.restart();
        },
      }).el,
      paramControl({
        id: "compare-lr", label: "Learning rate", param: lr, value: this.config.optimizer.lr,
        onChange: (v) => {
          this.config.optimizer = { ...this.config.optimizer, lr: v };
          this.sendAll("configure", { changes: { optimizer: this.config.optimizer } });
        },
      }).el,
    );
  }

  buildReadouts() {
    const box = $("compare-readouts");
    for (const r of this.runs) {
      r.out = h("output", { id: `acc-${r.head}`, "aria-label": `${this.lab.heads[r.head]}: test accuracy`, text: "–" });
      box.append(h("div", { title: this.lab.heads[r.head] }, h("span", { class: "label", text: `${r.head === "bce" ? "BCE" : "MSE"} test acc.` }), r.out));
    }
    this.epochOut = h("output", { id: "compare-epoch", "aria-label": "Epoch", text: "0" });
    box.prepend(h("div", {}, h("span", { class: "label", text: "Epoch" }), this.epochOut));
  }

  connection(text, kind) {
    $("conn").textContent = text;
    $("conn").dataset.kind = kind;
  }

  showError(message) {
    $("compare-error").textContent = message;
    $("compare-error").hidden = false;
  }

  onStatus() {
    const running = this.running;
    const play = $("play");
    play.setAttribute("aria-label", running ? "Pause" : "Play");
    play.title = running ? "Pause both (Space)" : "Play: train both networks (Space)";
    play.classList.toggle("running", running);
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.pending = false;
    this.epochOut.textContent = Math.min(...this.runs.map((r) => r.epoch)).toLocaleString("en-US");
    const traces = [];
    for (const r of this.runs) {
      const label = r.head === "bce" ? "BCE" : "MSE (through σ)";
      traces.push({ type: "scatter", mode: "lines", name: `${label} training loss`, x: r.loss.x.slice(), y: r.loss.y.slice(), line: { color: COLORS[r.head], width: 2 } });
      r.out.textContent = r.metrics?.test_accuracy == null ? "–" : `${(r.metrics.test_accuracy * 100).toFixed(1)}%`;
    }
    for (const r of this.runs) {
      const label = r.head === "bce" ? "BCE" : "MSE (through σ)";
      traces.push({ type: "scatter", mode: "lines", name: `${label} test accuracy`, x: r.acc.x.slice(), y: r.acc.y.slice(), yaxis: "y2", line: { color: COLORS[r.head], width: 2, dash: "dot" } });
    }
    Plotly.react($("compare-chart"), traces, baseLayout({
      margin: { l: 52, r: 52, t: 8, b: 40 },
      xaxis: { title: { text: "epoch", standoff: 4 } },
      yaxis: { title: { text: "training loss", standoff: 4 }, rangemode: "tozero" },
      yaxis2: { title: { text: "test accuracy", standoff: 4 }, overlaying: "y", side: "right", range: [0, 1.02], dtick: 0.25, tickformat: ".0%", showgrid: false },
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.02, yanchor: "bottom" },
      uirevision: "compare",
    }), PLOT_CONFIG);
  }
}
