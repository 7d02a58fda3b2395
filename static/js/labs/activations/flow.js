// Gradient flow through depth: a deep MLP trained over the shared websocket session (run
// "trainer", views metrics + gradients + activations), its controls and presets, and the five
// per-layer charts. Structural changes restart the run with the new config; the learning rate
// is changed live. Frames are collected as they come and drawn once per animation frame.

import { TrainSocket } from "../../socket.js";
import { componentSelect, h, paramControl } from "../../catalog.js";
import { DepthHeatmap } from "./depth-heatmap.js";
import { LayerHistogram } from "./layer-hist.js";
import { GradientBars, RatioChart, UnitsChart } from "./layer-charts.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["metrics", "gradients", "activations"];

export class GradientFlow {
  constructor(catalog, lab) {
    this.catalog = catalog;
    this.lab = lab;
    const limits = catalog.limits ?? {};
    this.maxDepth = Math.min(lab.depth.high, limits.max_layers ?? lab.depth.high);
    this.maxWidth = Math.min(32, limits.max_neurons ?? 32);
    this.byName = (list) => Object.fromEntries(list.map((c) => [c.name, c]));
    this.inits = this.byName(catalog.initializers);
    this.optimizers = this.byName(catalog.optimizers);
    this.running = false;
    this.epoch = 0;
    this.latest = null;
    this.pending = false;
    this.frames = 0;
    this.heat = new DepthHeatmap($("heat-chart"));
    this.bars = new GradientBars($("bar-chart"));
    this.hist = new LayerHistogram($("hist-chart"));
    this.units = new UnitsChart($("units-chart"));
    this.ratio = new RatioChart($("ratio-chart"), lab.guide_update_ratio);
    $("sat-pct").textContent = `${Math.round(lab.saturation * 100)}%`;
    this.applyPreset(lab.presets[0], false);
    this.buildPresets();
    this.buildControls();
    this.bindTransport();
    this.socket = new TrainSocket({
      open: () => this.start(),
      close: () => this.connection("reconnecting…", "bad"),
      hello: () => this.connection("connected", "ok"),
      status: (m) => this.onStatus(m),
      network: () => this.onNetwork(),
      frame: (m) => this.onFrame(m),
      error: (m) => this.showError(m.message),
    });
  }

  // ---- config -------------------------------------------------------------------------------

  /** Read a preset's config into the page's settings. */
  applyPreset(preset, restart = true) {
    const c = preset.config;
    const spec = (s) => (typeof s === "string" ? { name: s } : { ...s });
    this.preset = preset.key;
    this.s = {
      dataset: spec(c.dataset),
      depth: Math.min(c.hidden.length, this.maxDepth),
      width: Math.min(c.hidden[0], this.maxWidth),
      activation: spec(c.activation),
      init: spec(c.init),
      norm: c.norm,
      optimizer: spec(c.optimizer),
      batch_size: c.batch_size,
      data_seed: c.data_seed,
      init_seed: c.init_seed,
    };
    $("lesson").textContent = preset.lesson;
    for (const b of document.querySelectorAll("#presets button")) b.setAttribute("aria-pressed", String(b.dataset.preset === preset.key));
    if (restart) {
      this.renderControls();
      this.start();
    }
  }

  config() {
    const s = this.s;
    return {
      dataset: s.dataset,
      hidden: Array(s.depth).fill(s.width),
      activation: s.activation,
      init: s.init,
      norm: s.norm,
      optimizer: s.optimizer,
      batch_size: s.batch_size,
      data_seed: s.data_seed,
      init_seed: s.init_seed,
    };
  }

  start() {
    this.hideError();
    this.heat.reset();
    this.hist.setActivation(this.s.activation);
    this.socket?.send("start", { config: this.config(), play: this.running, views: VIEWS });
  }

  /** A settings change by hand: no preset any more; restart unless `live`. */
  change(mutate, live = false) {
    mutate(this.s);
    this.preset = null;
    $("lesson").textContent = "";
    for (const b of document.querySelectorAll("#presets button")) b.setAttribute("aria-pressed", "false");
    if (live) this.socket.send("configure", { changes: { optimizer: this.s.optimizer } });
    else this.start();
  }

  // ---- controls -----------------------------------------------------------------------------

  buildPresets() {
    const box = $("presets");
    for (const p of this.lab.presets) {
      box.append(h("button", {
        type: "button", class: "text-btn preset", "data-preset": p.key, "aria-pressed": String(p.key === this.preset),
        title: p.lesson, text: p.title, onclick: () => this.applyPreset(p),
      }));
    }
  }

  buildControls() {
    this.renderControls();
  }

  renderControls() {
    const s = this.s;
    const box = $("flow-controls");
    const range = (id, label, low, high, value, help, apply) => {
      const ctl = paramControl({ id, label, param: { name: id, kind: "int", low, high, default: value, help }, value, onChange: apply });
      return ctl.el;
    };
    const initComp = this.inits[s.init.name];
    const opt = this.optimizers[s.optimizer.name];
    const lrParam = opt.params.find((p) => p.name === "lr");
    const controls = [
      range("depth", "Depth", 2, this.maxDepth, s.depth, `hidden layers (2 to ${this.maxDepth})`, (v) => this.change((s) => (s.depth = v))),
      range("width", "Width", 2, this.maxWidth, s.width, "neurons per hidden layer", (v) => this.change((s) => (s.width = v))),
      componentSelect({
        id: "activation", label: "Activation", items: this.catalog.activations, value: s.activation.name,
        help: "the activation of every hidden layer", onChange: (v) => this.change((s) => (s.activation = { name: v })),
      }).el,
      componentSelect({
        id: "init", label: "Init", items: this.catalog.initializers, value: s.init.name,
        help: "how the weights start", onChange: (v) => this.change((s) => (s.init = { name: v })),
      }).el,
      ...initComp.params.filter((p) => p.name !== "mean").map((p) =>
        paramControl({
          id: `init-${p.name}`, label: `Init ${p.name}`, param: p, value: s.init[p.name] ?? p.default,
          onChange: (v) => this.change((s) => (s.init = { ...s.init, [p.name]: v })),
        }).el),
      componentSelect({
        id: "norm", label: "Norm", items: this.catalog.trainer.find((p) => p.name === "norm").choices.map((name) => ({
          name, help: { none: "no normalisation", batch_norm: "batch norm (Ioffe & Szegedy 2015) after each hidden Dense layer", layer_norm: "layer norm after each hidden Dense layer" }[name] ?? name,
        })),
        value: s.norm, help: "normalisation after each hidden Dense layer", onChange: (v) => this.change((s) => (s.norm = v)),
      }).el,
      componentSelect({
        id: "dataset", label: "Dataset", items: this.catalog.datasets, value: s.dataset.name,
        help: "the 2-D data the net learns", onChange: (v) => this.change((s) => (s.dataset = { name: v })),
      }).el,
      componentSelect({
        id: "optimizer", label: "Optimizer", items: this.catalog.optimizers, value: s.optimizer.name,
        help: "the update rule", onChange: (v) => this.change((s) => (s.optimizer = { name: v, lr: s.optimizer.lr })),
      }).el,
      paramControl({
        id: "lr", label: "Learning rate", param: lrParam, value: s.optimizer.lr,
        onChange: (v) => this.change((s) => (s.optimizer = { ...s.optimizer, lr: v }), true),
      }).el,
    ];
    box.replaceChildren(...controls);
    // The initializer's parameter set depends on the initializer: re-render after it changes.
    box.querySelector("#ctl-init")?.addEventListener("change", () => this.renderControls());
    box.querySelector("#ctl-optimizer")?.addEventListener("change", () => this.renderControls());
  }

  bindTransport() {
    $("play").addEventListener("click", () => this.socket.send(this.running ? "pause" : "play"));
    $("step").addEventListener("click", () => this.socket.send("step", { epochs: 1 }));
    $("rewind").addEventListener("click", () => {
      this.heat.reset();
      this.socket.send("rewind");
    });
    document.addEventListener("keydown", (e) => {
      if (e.code !== "Space" || e.target.closest("input, select, button, textarea, [tabindex]")) return;
      e.preventDefault();
      $("play").click();
    });
  }

  // ---- server messages ----------------------------------------------------------------------

  connection(text, kind) {
    $("conn").textContent = text;
    $("conn").dataset.kind = kind;
  }

  onStatus(m) {
    this.running = m.state === "running";
    const play = $("play");
    play.setAttribute("aria-label", this.running ? "Pause" : "Play");
    play.title = this.running ? "Pause training (Space)" : "Play: train continuously (Space)";
    play.classList.toggle("running", this.running);
    if (m.state === "diverged") this.showError(`Training diverged: ${m.divergence?.reason ?? m.message ?? "the loss is not finite"}. Lower the learning rate or pick a preset.`);
  }

  onNetwork() {
    this.heat.reset();
    const n = this.s.depth;
    if (!this.layerCtl || this.layerCtl.n !== n) this.buildLayerPicker(n);
  }

  buildLayerPicker(n) {
    const layer = Math.min(this.layer ?? 1, n);
    this.layer = layer;
    const ctl = paramControl({
      id: "hist-layer", label: "Layer", value: layer,
      param: { name: "layer", kind: "int", low: 1, high: n, default: 1, help: "which hidden layer's pre-activations to show (1 = next to the input)" },
      onChange: () => {},
    });
    ctl.input.addEventListener("input", () => {
      this.layer = Number(ctl.input.value);
      if (this.latest) this.hist.update(this.latest.activations?.[this.layer - 1]);
    });
    ctl.n = n;
    this.layerCtl = ctl;
    $("hist-layer").replaceChildren(ctl.el);
  }

  onFrame(m) {
    this.frames++;
    this.epoch = m.epoch;
    this.heat.push(m.epoch, m.gradients);
    this.latest = m;
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.pending = false;
    const m = this.latest;
    if (!m) return;
    $("epoch").textContent = m.epoch.toLocaleString("en-US");
    const met = m.metrics ?? {};
    $("train-loss").textContent = met.train_loss == null ? "–" : Number(met.train_loss).toFixed(3);
    $("train-acc").textContent = met.train_accuracy == null ? "–" : `${(met.train_accuracy * 100).toFixed(1)}%`;
    this.heat.draw();
    this.bars.update(m.gradients);
    this.units.update(m.activations);
    this.ratio.update(m.gradients);
    this.hist.update(m.activations?.[(this.layer ?? 1) - 1]);
  }

  showError(message) {
    const box = $("flow-error");
    box.textContent = message;
    box.hidden = false;
  }

  hideError() {
    $("flow-error").hidden = true;
  }
}
