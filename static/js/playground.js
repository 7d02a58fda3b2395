// The playground page: glue between the page state (state.js), the controls (panels.js), the
// training socket (socket.js) and the charts. Frames are recorded as they come, and drawn at
// most once per animation frame (the newest wins); loss history is never dropped.

import { PageState } from "./state.js";
import { Panels } from "./panels.js";
import { TrainSocket } from "./socket.js";
import { decodeFeatureGrids, decodeFrame, bytesToValues } from "./codec.js";
import { classColor, css, maxAbs } from "./colors.js";
import { formatNumber, h, paramControl, series13 } from "./catalog.js";
import { HeatmapChart } from "./charts/heatmap.js";
import { LossChart } from "./charts/loss.js";
import { GradientChart } from "./charts/gradients.js";
import { ConfusionChart } from "./charts/confusion.js";
import { Recorder } from "./recorder.js";
import { bindTransportKeys } from "./keys.js";

const $ = (id) => document.getElementById(id);
const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
/** A metric in a few characters: 0.123, or 1.74e+160 when it has blown up. */
const shortNumber = (v) => (Math.abs(v) >= 1000 ? Number(v).toExponential(2) : Number(v).toFixed(3));
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

class Playground {
  async init() {
    const response = await fetch("/api/catalog");
    if (!response.ok) throw new Error(`GET /api/catalog: ${response.status}`);
    this.catalog = await response.json();
    this.state = new PageState(this.catalog);
    const ignored = this.state.readHash(location.hash);
    this.runState = "paused";
    this.epoch = 0;
    this.live = true;
    this.latest = null; // the newest frame, drawn on the next animation frame
    this.slowAt = 0;
    this.drawing = false;
    this.decoded = null; // the last decoded live frame
    this.network = null; // the last `network` message
    this.hoverNeuron = null;
    this.syncConfig = false; // read the next `network` config back into the state (import)

    this.applyFlags();
    this.panels = new Panels(this.state, {
      change: (key, value) => this.change(key, value),
      toggleFeature: (name) => this.toggleFeature(name),
      setHidden: (widths) => this.setHidden(widths),
      setLayerActivation: (i, name) => this.setLayerActivation(i, name),
    });
    this.panels.renderAll();
    // Every feature's heatmap, on or off, from the catalog (they do not depend on the run).
    const all = this.catalog.feature_grids;
    if (all) this.panels.addFeatureGrids(decodeFeatureGrids({ feature_grids: all, features: all.names }));

    this.heatmap = new HeatmapChart($("heatmap"), {
      onHover: (at) => this.showReadout(at),
      onClick: (x, y) => this.addPoint(x, y),
    });
    this.loss = new LossChart($("loss-chart"));
    this.gradients = new GradientChart($("grad-chart"));
    this.confusion = new ConfusionChart($("confusion-chart"));
    this.recorder = new Recorder(500);
    this.loss.smoothing = this.state.get("smoothing");
    this.loss.logY = this.state.get("log_loss");
    this.heatmap.setOptions({ discretize: this.state.get("discretize"), showTest: this.state.get("show_test") });
    this.loss.draw();
    this.bindPageControls();
    this.renderLegend();
    await this.loadNetworkView();

    this.socket = new TrainSocket({
      open: () => this.onOpen(),
      close: (e) => this.onClose(e),
      hello: (m) => (this.hello = m),
      status: (m) => this.onStatus(m),
      network: (m) => this.onNetwork(m),
      points: (m) => this.onPoints(m),
      frame: (m) => this.onFrame(m),
      error: (m) => this.onError(m),
      export: (m) => this.onExport(m),
    });
    this.writeHash();
    document.body.classList.remove("loading");
    if (ignored.length) {
      this.banner("info", "Some settings in the link were not understood and were left at their defaults:", ignored.join(", "));
    }
    window.nnPlayground = this; // for the browser tests and the curious
  }

  // ---- page flags: embed and hide -----------------------------------------------------------

  applyFlags() {
    document.body.classList.toggle("embed", !!this.state.get("embed"));
    // One style rule per hidden control id: it also holds for controls rendered later.
    let style = document.getElementById("hide-style");
    if (!style) {
      style = document.createElement("style");
      style.id = "hide-style";
      document.head.append(style);
    }
    style.textContent = this.state
      .get("hide")
      .filter(Boolean)
      .map((id) => `[data-control="${CSS.escape(id)}"] { display: none !important; }`)
      .join("\n");
  }

  // ---- the network diagram (another module; the page works without it) ----------------------

  async loadNetworkView() {
    try {
      const { NetworkView } = await import("./network.js");
      this.net = new NetworkView($("network"), {
        onEditWeight: (layer, source, target, value) =>
          this.socket.send("set_weight", { layer, source, target, value }),
        onEditBias: (layer, neuron, value) => this.socket.send("set_bias", { layer, neuron, value }),
        onHoverNeuron: (layer, neuron) => this.focusNeuron(layer, neuron),
        onLayout: () => this.panels.placeLayers(this.columnX()),
      });
    } catch (err) {
      this.net = null;
      $("network").textContent = "The network diagram could not be loaded.";
      console.warn("network.js:", err);
    }
  }

  // ---- settings -----------------------------------------------------------------------------

  writeHash() {
    history.replaceState(null, "", this.state.toHash());
  }

  /** Send the current value of config fields as one `configure`. */
  configure(...fields) {
    const config = this.state.config();
    const changes = {};
    for (const f of new Set(fields)) if (f) changes[f] = config[f];
    return this.socket?.send("configure", { changes });
  }

  change(key, value) {
    const s = this.state;
    const p = this.panels;
    switch (key) {
      case "dataset":
        s.selectDataset(value);
        p.renderDatasets();
        p.renderDatasetParams();
        p.renderTopbar();
        this.configure("dataset", "output");
        break;
      case "optimizer":
        s.selectComponent(key, value);
        p.renderTopbar();
        p.renderOptimizerParams();
        this.configure("optimizer");
        break;
      case "init":
      case "regularization":
        s.selectComponent(key, value);
        p.renderModel();
        this.configure(key);
        break;
      case "activation":
        s.selectComponent(key, value);
        p.renderLayers(this.columnX());
        p.renderModel();
        this.configure("activation");
        break;
      case "speed":
        s.set(key, value);
        this.socket?.send("speed", { epochs_per_second: value > 0 ? value : null });
        break;
      case "smoothing":
        s.set(key, value);
        this.loss.setSmoothing(value);
        break;
      case "log_loss":
        s.set(key, value);
        this.loss.setLogY(value);
        break;
      case "show_test":
        s.set(key, value);
        this.heatmap.setOptions({ showTest: value });
        break;
      case "discretize":
        s.set(key, value);
        this.heatmap.setOptions({ discretize: value });
        break;
      default: {
        const field = s.set(key, value);
        if (s.table.get(key)?.group === "dataset") {
          p.renderTopbar(); // the number of classes may change the output heads that fit
          this.configure("dataset", "output");
        } else if (field) {
          this.configure(field);
        }
      }
    }
    this.writeHash();
  }

  toggleFeature(name) {
    const chosen = new Set(this.state.get("features"));
    if (chosen.has(name)) {
      if (chosen.size === 1) return this.banner("info", "The network needs at least one input feature.", "");
      chosen.delete(name);
    } else {
      chosen.add(name);
    }
    // Keep the catalog's order, as TF Playground lists them.
    this.state.set("features", this.catalog.features.map((f) => f.name).filter((n) => chosen.has(n)));
    this.panels.renderFeatures();
    this.configure("features");
    this.writeHash();
  }

  setHidden(widths) {
    const acts = this.state.layerActivations();
    const last = acts[acts.length - 1] ?? this.state.get("activation")[0];
    const next = widths.map((_, i) => acts[i] ?? last);
    this.state.set("hidden", widths);
    this.state.set("activation", next.length && next.every((a) => a === next[0]) ? [next[0]] : next.length ? next : [last]);
    this.panels.renderLayers(this.columnX());
    this.configure("hidden", "activation");
    this.writeHash();
  }

  setLayerActivation(i, name) {
    const acts = this.state.layerActivations();
    acts[i] = name;
    this.state.set("activation", acts.every((a) => a === acts[0]) ? [acts[0]] : acts);
    this.panels.renderModel();
    this.configure("activation");
    this.writeHash();
  }

  /** Where the diagram's columns are, while it shows the layers the state has (else null). */
  columnX() {
    const net = this.net;
    if (!net?.columnCount || net.columnCount !== this.state.get("hidden").length + 2) return null;
    return (i) => net.columnX(i);
  }

  // ---- page controls ------------------------------------------------------------------------

  bindPageControls() {
    const s = this.state;
    $("play").addEventListener("click", () => this.togglePlay());
    $("step").addEventListener("click", () => this.socket.send("step", { epochs: 1 }));
    $("reset").addEventListener("click", () => {
      const seed = randomSeed();
      s.set("init_seed", seed);
      this.panels.show("init_seed");
      this.writeHash();
      this.hideBanner();
      this.socket.send("reset", { init_seed: seed });
    });
    $("rewind").addEventListener("click", () => {
      this.hideBanner();
      this.socket.send("rewind");
    });
    $("regenerate").addEventListener("click", () => {
      const seed = randomSeed();
      s.set("data_seed", seed);
      this.panels.show("data_seed");
      this.writeHash();
      this.socket.send("regenerate", { data_seed: seed });
    });
    $("layer-add").addEventListener("click", () => {
      const w = s.get("hidden");
      this.setHidden([...w, w[w.length - 1] ?? 2]);
    });
    $("layer-remove").addEventListener("click", () => this.setHidden(s.get("hidden").slice(0, -1)));
    for (const key of ["show_test", "discretize"]) {
      const box = $(`ctl-${key}`);
      box.checked = !!s.get(key);
      box.addEventListener("change", () => this.change(key, box.checked));
    }
    // Loss chart: smoothing slider and log axis.
    const smoothing = paramControl({
      id: "smoothing", label: "Smoothing",
      param: { name: "smoothing", kind: "float", low: 0, high: 0.999, step: 0.001, help: "weight of the debiased moving average (0: raw values)" },
      value: s.get("smoothing"), onChange: (v) => this.change("smoothing", v),
    });
    const logY = paramControl({
      id: "log_loss", label: "Log scale",
      param: { name: "log_loss", kind: "bool", help: "loss axis on a logarithmic scale" },
      value: s.get("log_loss"), onChange: (v) => this.change("log_loss", v),
    });
    $("loss-controls").append(smoothing.el, logY.el);
    // Time scrubber.
    $("scrubber").addEventListener("input", (e) => this.scrub(Number(e.target.value)));
    $("live").addEventListener("click", () => this.goLive());
    // Adding points.
    $("add-mode").addEventListener("click", () => {
      const on = $("add-mode").getAttribute("aria-pressed") !== "true";
      $("add-mode").setAttribute("aria-pressed", String(on));
      $("add-options").hidden = !on;
      $("heatmap").classList.toggle("adding", on);
    });
    // Files.
    $("csv-file").addEventListener("change", (e) => this.uploadCsv(e.target));
    $("import-file").addEventListener("change", (e) => this.importModel(e.target));
    $("export").addEventListener("click", () => this.socket.send("export"));
    $("copy-link").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(location.href);
        $("io-status").textContent = "Link copied.";
      } catch {
        $("io-status").textContent = `Copy this link: ${location.href}`;
      }
    });
    $("banner-close").addEventListener("click", () => this.hideBanner());
    // Keyboard: Space plays or pauses, the right arrow steps (when no control has the focus).
    bindTransportKeys({ togglePlay: () => this.togglePlay(), step: () => this.socket.send("step", { epochs: 1 }) });
    window.addEventListener("hashchange", () => {
      if (location.hash === this.state.toHash()) return;
      this.state.readHash(location.hash);
      this.applyFlags();
      this.panels.sync();
      this.socket.send("start", { config: this.state.config(), play: false });
    });
  }

  togglePlay() {
    if (this.runState === "running") this.socket.send("pause");
    else this.socket.send("play");
  }

  // ---- socket -------------------------------------------------------------------------------

  onOpen() {
    this.setConnection("connected", "ok");
    this.socket.applied = 0;
    this.socket.send("start", { config: this.state.config(), play: false });
    const speed = this.state.get("speed");
    if (speed > 0) this.socket.send("speed", { epochs_per_second: speed });
  }

  onClose(e) {
    const why = e.code === 1013 ? `server busy: ${e.reason || "try again later"}` : "disconnected, reconnecting…";
    this.setConnection(why, "bad");
    this.setRunState("paused");
  }

  setConnection(text, kind) {
    const el = $("conn");
    el.textContent = text;
    el.dataset.kind = kind;
  }

  onStatus(m) {
    this.setRunState(m.state);
    this.setEpoch(m.epoch);
    if (m.state === "diverged") this.showDivergence(m);
    else if (this.bannerKind === "diverged") this.hideBanner();
  }

  setRunState(state) {
    this.runState = state;
    document.body.dataset.state = state;
    const play = $("play");
    const running = state === "running";
    play.setAttribute("aria-label", running ? "Pause" : "Play");
    play.title = running ? "Pause training (Space)" : "Play: train continuously (Space)";
    play.classList.toggle("running", running);
    this.net?.setRunning?.(running);
  }

  setEpoch(epoch) {
    if (!Number.isFinite(epoch)) return;
    this.epoch = epoch;
    const el = $("epoch");
    el.dataset.epoch = String(epoch);
    el.textContent = String(epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    document.body.dataset.epoch = String(epoch);
  }

  async onNetwork(m) {
    // A new run (start, reset, rewind, import, upload, a model change): history restarts.
    this.network = m;
    this.loss.reset();
    this.loss.draw();
    this.recorder.reset();
    this.goLive(false);
    this.gradients.reset();
    this.confusion.reset();
    if (this.syncConfig && m.config) {
      this.syncConfig = false;
      this.state.setConfig(m.config);
      this.panels.sync();
      this.writeHash();
    }
    if (this.pendingImport) {
      this.fileStatus("io-status", `Imported ${this.pendingImport}.`);
      this.pendingImport = null;
    }
    if (this.pendingUpload) {
      this.fileStatus("csv-status", `Loaded ${this.pendingUpload}: ${m.problem}${m.problem === "regression" ? "" : `, ${m.n_classes} classes`}.`);
      this.pendingUpload = null;
    }
    const k = m.problem === "regression" ? 0 : m.n_classes;
    this.heatmap.setProblem(m.problem === "regression" ? "regression" : k > 2 ? "multiclass" : "binary", k);
    this.renderLegend();
    this.renderClassPicker();
    this.panels.updateProblem(m.problem, m.n_classes);
    $("confusion-panel").hidden = m.problem === "regression";
    const grids = decodeFeatureGrids(m);
    this.panels.addFeatureGrids(grids);
    if (this.net) {
      const labels = Object.fromEntries(this.catalog.features.map((f) => [f.name, f.label || f.name]));
      this.net.setNetwork({
        ...m,
        featureGridsDecoded: grids.map((g) => g.values),
        thumbN: this.hello?.thumb ?? grids[0]?.n,
        feature_labels: labels,
      });
      this.net.setRunning?.(this.runState === "running");
      this.panels.placeLayers(this.columnX());
    }
  }

  onPoints(m) {
    this.points = m;
    this.heatmap.setPoints({ train: m.train, test: m.test });
  }

  onFrame(f) {
    this.loss.append(f.history);
    this.recorder.push(f);
    this.setEpoch(f.epoch);
    if (f.state && f.state !== this.runState && f.state !== "diverged") this.setRunState(f.state);
    this.updateNumbers(f.metrics);
    this.updateScrubber();
    this.latest = f;
    this.pump();
  }

  /** Draw the newest frame, once per animation frame, until none is waiting. The time one
   *  frame's decoding and drawing takes is in document.body.dataset.drawMs (benchmarks read it). */
  async pump() {
    if (this.drawing) return;
    this.drawing = true;
    try {
      while (this.latest) {
        const f = this.latest;
        this.latest = null;
        const t0 = performance.now();
        if (this.live) this.drawFrame(f, true);
        else this.slowFrame = f;
        const ms = performance.now() - t0;
        document.body.dataset.drawMs = ms.toFixed(2);
        this.drawTimes = [...(this.drawTimes ?? []).slice(-59), ms];
        await nextFrame();
        // The Plotly charts (loss, gradients, confusion: 5 to 20 ms a redraw without a GPU)
        // update between frames, at most 6 times a second while training runs (the loss
        // curve still gets every epoch); their time is in dataset.slowMs.
        if (this.slowFrame && (this.runState !== "running" || performance.now() - this.slowAt > 160)) {
          this.drawSlow();
        }
      }
      if (this.slowFrame) this.drawSlow();
    } finally {
      this.drawing = false;
    }
  }

  drawFrame(f, live) {
    const t0 = performance.now();
    const d = decodeFrame(f);
    document.body.dataset.decodeMs = (performance.now() - t0).toFixed(2);
    if (live) this.decoded = d;
    const focus = this.hoverNeuron;
    if (focus && d.focus && d.focus.layer === focus.layer && d.focus.neuron === focus.neuron) {
      const values = bytesToValues(d.focus.bytes, d.focus.scale);
      this.heatmap.showNeuron(values, d.focus.n, d.focus.scale, focus.label);
    } else if (focus && d.neurons[focus.layer]) {
      this.showCoarseNeuron(d, focus);
    } else {
      this.heatmap.update(d.output);
    }
    if (this.net) {
      const grids = d.neurons;
      grids.thumbN = d.neuronN;
      this.net.update(f, grids);
    }
    this.slowFrame = f;
    if (!live) {
      this.gradients.update(f.gradients);
      if (f.metrics?.confusion) this.confusion.update(f.metrics.confusion);
    }
  }

  drawSlow() {
    const f = this.slowFrame;
    this.slowFrame = null;
    if (!f) return;
    const t0 = performance.now();
    this.slowAt = t0;
    this.loss.draw();
    if (!this.live) return;
    this.gradients.update(f.gradients);
    if (f.metrics?.confusion) this.confusion.update(f.metrics.confusion);
    document.body.dataset.slowMs = (performance.now() - t0).toFixed(2);
  }

  /** While the full-size grid is on its way: the neuron's thumbnail, enlarged. */
  showCoarseNeuron(d, focus) {
    const n = d.neuronN;
    const all = d.neurons[focus.layer];
    const values = all.subarray(focus.neuron * n * n, (focus.neuron + 1) * n * n);
    this.heatmap.showNeuron(values, n, Math.max(1, maxAbs(values)), focus.label);
  }

  updateNumbers(m) {
    if (!m) return;
    const show = (id, v) => {
      const el = $(id);
      el.dataset.value = v === null || v === undefined ? "" : String(v);
      el.textContent = v === null || v === undefined ? "–" : shortNumber(v);
    };
    show("test-loss", m.test_loss);
    show("train-loss", m.train_loss);
    const extra = [];
    const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
    if ("train_accuracy" in m) extra.push(`Accuracy: test ${pct(m.test_accuracy)}, training ${pct(m.train_accuracy)}`);
    const r2 = (v) => (v === null || v === undefined ? "–" : shortNumber(v));
    if ("test_r2" in m) extra.push(`R²: test ${r2(m.test_r2)}, training ${r2(m.train_r2)}`);
    $("metric-extra").textContent = extra.join(" · ");
    $("accuracy").textContent = "test_accuracy" in m ? `accuracy ${pct(m.test_accuracy)}` : "";
  }

  onError(m) {
    const text = m.message || "The server refused the request.";
    if (m.request === "upload_csv") {
      this.pendingUpload = null;
      this.syncConfig = false;
      this.fileStatus("csv-status", text, true);
    } else if (m.request === "import") {
      this.syncConfig = false;
      this.pendingImport = null;
      this.fileStatus("io-status", text, true);
    }
    this.banner("error", `${m.request ? `${m.request}: ` : ""}${m.field ? `${m.field}: ` : ""}`, text);
  }

  // ---- divergence ---------------------------------------------------------------------------

  showDivergence(m) {
    const d = m.divergence ?? {};
    const actions = [];
    const lrKey = this.state.componentKeys.optimizer.lr;
    const opt = this.state.optimizers[this.state.get("optimizer")];
    const lrParam = opt?.params.find((p) => p.name === "lr");
    const lr = d.lr ?? this.state.get(lrKey);
    if (lrParam && lr) {
      const lower = series13(lrParam.low, lrParam.high).filter((v) => v <= lr / 10 + 1e-12).pop();
      if (lower !== undefined) {
        actions.push(h("button", {
          type: "button", class: "text-btn primary", text: `Lower learning rate to ${formatNumber(lower)}`,
          onclick: () => {
            this.change(lrKey, lower);
            this.panels.renderTopbar();
            this.banner("info", `Learning rate lowered to ${formatNumber(lower)}.`, "Press Play to continue, or Rewind to start again.");
          },
        }));
      }
    }
    actions.push(h("button", { type: "button", class: "text-btn", text: "Rewind", "aria-label": "Rewind to the start", onclick: () => $("rewind").click() }));
    const where = d.epoch !== undefined ? `Training diverged at epoch ${d.epoch}.` : "Training diverged.";
    const body = [d.reason ? `${d.reason[0].toUpperCase()}${d.reason.slice(1)}.` : "", "The weights were rolled back and training paused.", d.suggestion ?? ""].join(" ");
    this.banner("diverged", where, body, actions);
  }

  banner(kind, title, body, actions = []) {
    this.bannerKind = kind;
    const el = $("banner");
    el.dataset.kind = kind;
    $("banner-title").textContent = title;
    $("banner-body").textContent = body ? ` ${body}` : "";
    $("banner-actions").replaceChildren(...actions);
    el.hidden = false;
    clearTimeout(this.bannerTimer);
    if (kind === "info") this.bannerTimer = setTimeout(() => this.hideBanner(), 8000);
  }

  hideBanner() {
    $("banner").hidden = true;
    this.bannerKind = null;
  }

  // ---- output view: legend, hover, adding points --------------------------------------------

  renderLegend() {
    const box = $("heatmap-legend");
    const k = this.network?.n_classes ?? this.state.nClasses();
    const regression = (this.network?.problem ?? this.state.problem()) === "regression";
    const items = [];
    if (!regression && k > 2) {
      for (let c = 0; c < k; c++) {
        items.push(h("span", { class: "swatch-item" },
          h("span", { class: "swatch", style: `background:${css(classColor(c, k))}` }), `class ${c}`));
      }
      items.push(h("span", { class: "legend-note", text: "paler = less sure" }));
    } else {
      items.push(h("span", { class: "scale-label", text: "−1" }),
        h("span", { class: "scale-bar", title: "Output value: -1 (orange) to 1 (blue)" }),
        h("span", { class: "scale-label", text: "1" }));
      if (regression) items.push(h("span", { class: "legend-note", text: "value" }));
    }
    items.push(h("span", { class: "swatch-item" }, h("span", { class: "dot train" }), "training"),
      h("span", { class: "swatch-item" }, h("span", { class: "dot test" }), "test"));
    box.replaceChildren(...items);
  }

  showReadout(at) {
    const el = $("hover-readout");
    if (!at) {
      el.textContent = this.hoverNeuron ? `Showing ${this.hoverNeuron.label}.` : "Hover the plane to read the output.";
      return;
    }
    const where = `(${at.x.toFixed(2)}, ${at.y.toFixed(2)})`;
    if (at.cls !== undefined) el.textContent = `At ${where}: class ${at.cls}, ${Math.round(at.confidence * 100)}% of the way from chance to sure`;
    else if (at.neuron) el.textContent = `At ${where}: ${at.neuron} outputs ${at.value.toFixed(3)}`;
    else if (at.value !== undefined) el.textContent = `At ${where}: output ${at.value.toFixed(3)}`;
  }

  renderClassPicker() {
    const box = $("class-picker");
    const regression = this.network?.problem === "regression";
    const k = regression ? 0 : this.network?.n_classes ?? 2;
    const choose = (value) => {
      this.addLabel = value;
      for (const b of box.querySelectorAll("[role=radio]")) b.setAttribute("aria-checked", String(b.dataset.value === String(value)));
    };
    if (regression) {
      const ctl = paramControl({
        id: "add_value", label: "Target value",
        param: { name: "add_value", kind: "float", low: -1, high: 1, step: 0.05, help: "the target of the points you add" },
        value: this.addLabel ?? 1, onChange: (v) => (this.addLabel = v),
      });
      this.addLabel = this.addLabel ?? 1;
      box.replaceChildren(ctl.el);
      return;
    }
    if (!(Number.isInteger(this.addLabel) && this.addLabel < k)) this.addLabel = Math.min(1, k - 1);
    box.replaceChildren(
      ...Array.from({ length: k }, (_, c) =>
        h("button", {
          type: "button", role: "radio", class: "class-chip", "data-value": String(c),
          "aria-checked": String(c === this.addLabel), "aria-label": `Class ${c}`, title: `New points get class ${c}`,
          style: `--chip:${css(classColor(c, k))}`, onclick: () => choose(c),
        }, `class ${c}`),
      ),
    );
  }

  addPoint(x, y) {
    if ($("add-mode").getAttribute("aria-pressed") !== "true") return;
    this.socket.send("add_points", { points: [[+x.toFixed(3), +y.toFixed(3)]], labels: [this.addLabel], split: $("add-split").value });
  }

  focusNeuron(layer, neuron) {
    if (layer === null || layer === undefined) {
      this.hoverNeuron = null;
      this.socket.send("focus", { layer: null, neuron: 0 });
      $("heatmap-caption").textContent = "";
      if (this.decoded) this.heatmap.update(this.decoded.output);
      return;
    }
    const label = `neuron ${neuron + 1} of layer ${layer + 1}`;
    this.hoverNeuron = { layer, neuron, label };
    $("heatmap-caption").textContent = `Showing ${label}`;
    if (this.decoded?.neurons[layer]) this.showCoarseNeuron(this.decoded, this.hoverNeuron);
    this.socket.send("focus", { layer, neuron });
  }

  // ---- time scrubber ------------------------------------------------------------------------

  updateScrubber() {
    const range = $("scrubber");
    range.max = String(Math.max(0, this.recorder.length - 1));
    if (this.live) range.value = range.max;
  }

  async scrub(i) {
    const f = this.recorder.at(i);
    if (!f) return;
    this.live = false;
    $("live").disabled = false;
    document.body.classList.add("scrubbing");
    $("scrub-info").textContent = `epoch ${f.epoch} (recorded)`;
    this.loss.markEpoch(f.epoch);
    this.updateNumbers(f.metrics);
    this.drawFrame(f, false);
  }

  goLive(redraw = true) {
    this.live = true;
    $("live").disabled = true;
    document.body.classList.remove("scrubbing");
    $("scrub-info").textContent = "live";
    this.loss.markEpoch(null);
    this.updateScrubber();
    const last = this.recorder.at(this.recorder.length - 1);
    if (redraw && last) {
      this.updateNumbers(last.metrics);
      this.latest = last;
      this.pump();
    }
  }

  // ---- files --------------------------------------------------------------------------------

  fileStatus(id, text, bad = false) {
    const el = $(id);
    el.textContent = text;
    el.classList.toggle("bad", bad);
  }

  async readFile(input, statusId) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return null;
    const max = this.catalog.limits?.max_upload_bytes ?? Infinity;
    if (file.size > max) {
      this.fileStatus(statusId, `${file.name} is ${file.size.toLocaleString()} bytes; the limit is ${max.toLocaleString()} bytes.`, true);
      return null;
    }
    return { name: file.name, text: await file.text() };
  }

  async uploadCsv(input) {
    const file = await this.readFile(input, "csv-status");
    if (!file) return;
    this.fileStatus("csv-status", `Uploading ${file.name}…`);
    this.syncConfig = true;
    this.pendingUpload = file.name;
    this.socket.send("upload_csv", { text: file.text });
  }

  async importModel(input) {
    const file = await this.readFile(input, "io-status");
    if (!file) return;
    let doc;
    try {
      doc = JSON.parse(file.text);
    } catch (err) {
      this.fileStatus("io-status", `${file.name} is not JSON: ${err.message}`, true);
      return;
    }
    this.syncConfig = true;
    this.pendingImport = file.name;
    this.socket.send("import", { state: doc.state ?? doc });
    this.fileStatus("io-status", `Importing ${file.name}…`);
  }

  onExport(m) {
    const blob = new Blob([JSON.stringify(m, null, 1)], { type: "application/json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: `nn-playground-epoch-${m.state?.epoch ?? this.epoch}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    this.fileStatus("io-status", "Model exported.");
  }
}

const page = new Playground();
page.init().catch((err) => {
  console.error(err);
  document.body.classList.remove("loading");
  const box = document.getElementById("banner");
  if (box) {
    box.hidden = false;
    box.dataset.kind = "error";
    document.getElementById("banner-title").textContent = "The playground could not start.";
    document.getElementById("banner-body").textContent = ` ${err.message}`;
  }
});
