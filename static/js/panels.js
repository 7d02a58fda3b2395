// The page's control panels, built from the catalog and bound to the page state. A control
// reports `onChange(key, value)`; the glue (playground.js) updates the state, the URL and the
// server, then asks the panels to re-render what depends on the change.

import { classColor, css, paintGrid, maxAbs, scoreColor } from "./colors.js";
import { componentSelect, h, humanize, paramControl } from "./catalog.js";

// Friendlier labels for a few settings (presentation only; unknown names are humanized).
const LABELS = {
  train_ratio: "Ratio of training to test data",
  batch_size: "Batch size",
  reg_rate: "Regularization rate",
  lr: "Learning rate",
  n_points: "Number of points (0: the dataset's own)",
  data_seed: "Data seed",
  init_seed: "Init seed",
  norm: "Normalization",
  dropout: "Dropout",
  shuffle: "Shuffle every epoch",
  noise: "Noise",
};
const label = (name) => LABELS[name] ?? humanize(name);
const percent = (v) => `${Math.round(v * 100)}%`;
const FORMATS = { train_ratio: percent };

/** Re-run `render` and give the keyboard focus back to the element that had it. */
function keepFocus(render) {
  const id = document.activeElement?.id;
  render();
  if (id) document.getElementById(id)?.focus();
}

export class Panels {
  /**
   * @param state PageState
   * @param on {change(key, value), toggleFeature(name), setHidden(widths), setLayerActivation(i, name)}
   */
  constructor(state, on) {
    this.state = state;
    this.on = on;
    this.catalog = state.catalog;
    this.limits = state.catalog.limits ?? {};
    this.controls = new Map(); // key -> {set}
    this.featureGrids = new Map(); // feature name -> {n, values}
    this.previews = new Map(); // dataset name -> preview
  }

  renderAll() {
    this.renderTopbar();
    this.renderDatasets();
    this.renderDatasetParams();
    this.renderDataControls();
    this.renderFeatures();
    this.renderLayers();
    this.renderOptimizerParams();
    this.renderModel();
    this.renderRun();
  }

  /** Put every control's value back from the state (after reading a hash or an import). */
  sync() {
    keepFocus(() => this.renderAll());
  }

  _param(key, param, extra = {}) {
    const ctl = paramControl({
      id: key,
      param,
      value: this.state.get(key),
      label: label(param.name),
      format: FORMATS[param.name],
      onChange: (v) => this.on.change(key, v),
      ...extra,
    });
    this.controls.set(key, ctl);
    return ctl.el;
  }

  // ---- top bar ------------------------------------------------------------------------------

  renderTopbar() {
    const s = this.state;
    const bar = document.getElementById("topbar-controls");
    keepFocus(() => {
      const optimizer = componentSelect({
        id: "optimizer", label: "Optimizer", items: this.catalog.optimizers, value: s.get("optimizer"),
        help: "Optimizer: the rule that turns gradients into weight updates",
        onChange: (v) => this.on.change("optimizer", v),
      });
      const opt = s.optimizers[s.get("optimizer")];
      const lrParam = opt?.params.find((p) => p.name === "lr");
      const lrKey = s.componentKeys.optimizer.lr;
      const activation = componentSelect({
        id: "activation", label: "Activation", items: this.catalog.activations,
        value: s.get("activation")[0],
        help: "Activation: the nonlinearity of every hidden layer (override per layer above the network)",
        note: (v) => s.activations[v]?.note ?? "",
        onChange: (v) => this.on.change("activation", v),
      });
      const reg = componentSelect({
        id: "regularization", label: "Regularization", items: this.catalog.regularizers,
        value: s.get("regularization"),
        help: "Regularization: a penalty on large weights (L1 pushes them to exactly 0, L2 shrinks them)",
        onChange: (v) => this.on.change("regularization", v),
      });
      const outputs = componentSelect({
        id: "output", label: "Output", items: s.fittingOutputs(), value: s.get("output"),
        extra: [{ value: "auto", text: "auto", help: "the standard head: sigmoid + cross-entropy for two classes, softmax for more, linear + squared error for regression" }],
        help: "Output and loss: how the last layer's values become a prediction, and the loss that trains them",
        onChange: (v) => this.on.change("output", v),
      });
      const speedParam = {
        name: "speed", kind: "choice", choices: [0, 100, 30, 10, 3, 1],
        help: "epochs per second at most; slow it down to watch each step",
      };
      const speed = paramControl({
        id: "speed", param: speedParam, value: s.get("speed"), label: "Speed",
        choiceLabels: { 0: "max", 100: "100 epochs/s", 30: "30 epochs/s", 10: "10 epochs/s", 3: "3 epochs/s", 1: "1 epoch/s" },
        onChange: (v) => this.on.change("speed", v),
      });
      const items = [
        optimizer.el,
        lrParam ? this._param(lrKey, lrParam) : null,
        activation.el,
        reg.el,
        this._param("reg_rate", s.trainer.reg_rate),
        outputs.el,
        speed.el,
      ];
      bar.replaceChildren(...items.filter(Boolean));
    });
  }

  // ---- data ---------------------------------------------------------------------------------

  renderDatasets() {
    const grid = document.getElementById("datasets");
    const current = this.state.get("dataset");
    grid.replaceChildren(
      ...this.catalog.datasets.map((ds) => {
        const canvas = h("canvas", { width: 56, height: 56, "aria-hidden": "true" });
        const btn = h("button", {
          type: "button", class: "dataset", role: "radio", "aria-checked": String(ds.name === current),
          "aria-label": `${humanize(ds.name)} (${ds.problem})`, title: `${humanize(ds.name)}: ${ds.help}`,
          "data-name": ds.name,
          onclick: () => this.on.change("dataset", ds.name),
          onkeydown: (e) => this._arrowKeys(e, grid),
        }, canvas, h("span", { class: "dataset-name", text: humanize(ds.name) }));
        btn.tabIndex = ds.name === current ? 0 : -1;
        this._drawPreview(ds.name, canvas);
        return btn;
      }),
    );
  }

  _arrowKeys(e, group) {
    const items = [...group.querySelectorAll("[role=radio]")];
    const i = items.indexOf(e.currentTarget);
    const delta = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (!delta) return;
    e.preventDefault();
    const next = items[(i + delta + items.length) % items.length];
    next.focus();
    next.click();
  }

  async _drawPreview(name, canvas) {
    let preview = this.previews.get(name);
    if (!preview) {
      try {
        const r = await fetch(`/api/datasets/${encodeURIComponent(name)}/preview`);
        if (!r.ok) return;
        preview = await r.json();
        this.previews.set(name, preview);
      } catch {
        return;
      }
    }
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    ctx.fillStyle = "#f7f8f9";
    ctx.fillRect(0, 0, w, w);
    const regression = preview.problem === "regression";
    preview.x.forEach(([x1, x2], i) => {
      const y = preview.y[i];
      ctx.fillStyle = css(regression ? scoreColor(y) : classColor(y, preview.n_classes));
      const px = ((x1 + 6) / 12) * w;
      const py = w - ((x2 + 6) / 12) * w;
      ctx.fillRect(px - 1.2, py - 1.2, 2.4, 2.4);
    });
  }

  renderDatasetParams() {
    const s = this.state;
    const box = document.getElementById("dataset-params");
    keepFocus(() => {
      const ds = s.dataset();
      box.replaceChildren(
        ...(ds?.params ?? []).map((p) => this._param(s.datasetParamKeys[p.name], p, {
          format: p.name === "noise" ? (v) => `${v}%` : undefined,
        })),
      );
    });
  }

  renderDataControls() {
    const s = this.state;
    const box = document.getElementById("data-controls");
    keepFocus(() => {
      box.replaceChildren(
        this._param("train_ratio", s.trainer.train_ratio),
        this._param("batch_size", s.trainer.batch_size, { high: this.limits.max_batch_size }),
      );
    });
  }

  // ---- features -----------------------------------------------------------------------------

  /** Remember feature grids from a `network` message ([{name, n, values}]). */
  addFeatureGrids(grids) {
    for (const g of grids) if (g.name) this.featureGrids.set(g.name, g);
    this.renderFeatures();
  }

  renderFeatures() {
    const s = this.state;
    const box = document.getElementById("features");
    const chosen = new Set(s.get("features"));
    keepFocus(() => {
      box.replaceChildren(
        ...this.catalog.features.map((f) => {
          const on = chosen.has(f.name);
          const canvas = h("canvas", { width: 20, height: 20, "aria-hidden": "true" });
          const grid = this.featureGrids.get(f.name);
          if (grid) paintGrid(canvas, grid.values, grid.n, maxAbs(grid.values));
          const btn = h("button", {
            type: "button", class: `feature${on ? " on" : ""}${grid ? "" : " no-grid"}`, id: `feature-${f.name}`,
            "aria-pressed": String(on), "aria-label": `Feature ${f.label || f.name}`,
            title: `${f.label || f.name}: ${f.help}${on ? " (click to remove)" : " (click to feed it in)"}`,
            onclick: () => this.on.toggleFeature(f.name),
          }, h("span", { class: "feature-thumb" }, canvas, grid ? null : h("span", { class: "feature-glyph", text: f.label || f.name })),
          h("span", { class: "feature-label", text: f.label || f.name }));
          return btn;
        }),
      );
    });
  }

  // ---- hidden layers ------------------------------------------------------------------------

  renderLayers(columnX) {
    const s = this.state;
    const widths = s.get("hidden");
    const acts = s.layerActivations();
    const maxLayers = this.limits.max_layers ?? 6;
    const maxNeurons = this.limits.max_neurons ?? 8;
    document.getElementById("layer-count").textContent = String(widths.length);
    document.querySelector("#h-network").lastChild.textContent = widths.length === 1 ? " hidden layer" : " hidden layers";
    document.getElementById("layer-add").disabled = widths.length >= maxLayers;
    document.getElementById("layer-remove").disabled = widths.length === 0;
    const strip = document.getElementById("layer-strip");
    keepFocus(() => {
      strip.replaceChildren(
        ...widths.map((w, i) => {
          const set = (nw) => this.on.setHidden(widths.map((x, j) => (j === i ? nw : x)));
          const select = h("select", {
            id: `layer-act-${i}`, "aria-label": `Activation of layer ${i + 1}`,
            title: `Activation of hidden layer ${i + 1}`,
            onchange: (e) => this.on.setLayerActivation(i, e.target.value),
          }, ...this.catalog.activations.map((a) => h("option", { value: a.name, text: a.name, title: a.help })));
          select.value = acts[i];
          const card = h("div", { class: "layer-card", "data-layer": String(i) },
            h("div", { class: "layer-neurons" },
              h("button", {
                type: "button", class: "round-btn small", id: `neuron-remove-${i}`,
                "aria-label": `Remove a neuron from layer ${i + 1}`, title: `Remove a neuron from layer ${i + 1}`,
                disabled: w <= 1, onclick: () => set(w - 1),
              }, "−"),
              h("span", { class: "layer-width", text: String(w) }),
              h("button", {
                type: "button", class: "round-btn small", id: `neuron-add-${i}`,
                "aria-label": `Add a neuron to layer ${i + 1}`, title: `Add a neuron to layer ${i + 1}`,
                disabled: w >= maxNeurons, onclick: () => set(w + 1),
              }, "+")),
            select);
          return card;
        }),
      );
    });
    this.placeLayers(columnX);
  }

  /** Centre the layer cards over the network diagram's columns, when it tells where they are. */
  placeLayers(columnX) {
    const strip = document.getElementById("layer-strip");
    const cards = [...strip.children];
    const xs = columnX ? cards.map((_, i) => columnX(i + 1)) : [];
    const aligned = xs.length > 0 && xs.every(Number.isFinite);
    strip.classList.toggle("aligned", aligned);
    // Cards as wide as the gap between columns allows (narrow when there are many layers).
    const gap = aligned && xs.length > 1 ? xs[1] - xs[0] : aligned ? columnX(2) - xs[0] : 96;
    strip.style.setProperty("--card-w", `${Math.max(44, Math.min(96, gap - 6))}px`);
    strip.classList.toggle("compact", aligned && gap < 80);
    cards.forEach((card, i) => {
      card.style.left = aligned ? `${xs[i]}px` : "";
    });
  }

  // ---- more settings ------------------------------------------------------------------------

  renderOptimizerParams() {
    const s = this.state;
    const box = document.getElementById("optimizer-params");
    const opt = s.optimizers[s.get("optimizer")];
    keepFocus(() => {
      const params = (opt?.params ?? []).filter((p) => p.name !== "lr");
      box.replaceChildren(
        h("legend", { text: `Optimizer: ${opt?.name ?? ""}` }),
        h("p", { class: "control-note", text: opt?.help ?? "" }),
        ...params.map((p) => this._param(s.componentKeys.optimizer[p.name], p)),
        ...(params.length ? [] : [h("p", { class: "control-note", text: "No other hyperparameters." })]),
      );
    });
  }

  renderModel() {
    const s = this.state;
    const box = document.getElementById("model-settings");
    keepFocus(() => {
      const init = componentSelect({
        id: "init", label: "Initialization", items: this.catalog.initializers, value: s.get("init"),
        help: "Initialization: how the first weights are drawn (from the init seed)",
        note: (v) => s.initializers[v]?.help ?? "",
        onChange: (v) => this.on.change("init", v),
      });
      const initParams = (s.initializers[s.get("init")]?.params ?? []).map((p) =>
        this._param(s.componentKeys.init[p.name], p, { label: `Init ${p.name}` }),
      );
      const actParams = [];
      const seen = new Set();
      for (const name of s.get("activation")) {
        for (const p of s.activations[name]?.params ?? []) {
          if (seen.has(p.name)) continue;
          seen.add(p.name);
          actParams.push(this._param(s.componentKeys.activation[p.name], p, { label: `${name} ${p.name}` }));
        }
      }
      const regParams = (s.regularizers[s.get("regularization")]?.params ?? []).map((p) =>
        this._param(s.componentKeys.regularization[p.name], p),
      );
      box.replaceChildren(
        h("legend", { text: "Model" }),
        init.el,
        ...initParams,
        ...actParams,
        ...regParams,
        this._param("norm", s.trainer.norm),
        this._param("dropout", s.trainer.dropout, { format: percent }),
      );
    });
  }

  renderRun() {
    const s = this.state;
    const box = document.getElementById("run-settings");
    keepFocus(() => {
      box.replaceChildren(
        h("legend", { text: "Data and seeds" }),
        this._param("n_points", s.trainer.n_points, { high: this.limits.max_points }),
        this._param("data_seed", s.trainer.data_seed),
        this._param("init_seed", s.trainer.init_seed),
        this._param("shuffle", s.trainer.shuffle),
      );
    });
  }

  /** Set one control's shown value without rebuilding (e.g. a new seed from Reset). */
  show(key) {
    this.controls.get(key)?.set(this.state.get(key));
  }

  /** The problem type of the data the server holds (a dataset or an upload). */
  updateProblem(problem, nClasses) {
    const el = document.getElementById("problem-type");
    if (el) el.textContent = problem === "regression" ? "regression" : `classification · ${nClasses} classes`;
  }
}

