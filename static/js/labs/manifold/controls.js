// The top bar's controls, built from the catalog (components, bounds, help) and the lab's own
// document (/api/manifold/lab: presets, mesh bounds): preset, dataset, hidden layers,
// activation, the optimizer's learning rate, speed, mesh lines. Also the axes picker of a space.

import { componentSelect, h, paramControl } from "../../catalog.js";

/** "3, 3, 2" -> [3, 3, 2], or a message saying what is wrong. */
export function parseHidden(text, limits) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const widths = parts.map(Number);
  const maxLayers = limits.max_layers ?? 32;
  const maxNeurons = limits.max_neurons ?? 32;
  if (!parts.length) return { error: "at least one hidden layer, e.g. 3, 3, 2" };
  if (widths.length > maxLayers) return { error: `at most ${maxLayers} hidden layers` };
  if (!widths.every((w) => Number.isInteger(w) && w >= 1 && w <= maxNeurons)) {
    return { error: `each layer 1 to ${maxNeurons} units` };
  }
  return { widths };
}

export class Controls {
  /** @param handlers {preset(name), dataset(name), hidden(widths), activation(name),
   *  param(key, value), mesh(n), speed(epochs per second, 0 = fastest)} */
  constructor(el, meshEl, state, lab, handlers) {
    this.el = el;
    this.meshEl = meshEl;
    this.state = state;
    this.lab = lab;
    this.on = handlers;
    this.build();
  }

  build() {
    const s = this.state;
    const cat = s.catalog;
    this.preset = componentSelect({
      id: "preset", label: "Preset", help: "Preset: a setup that teaches one thing (explained on the right)",
      items: this.lab.presets.map((p) => ({ name: p.name, help: p.explain })),
      text: (c) => this.lab.presets.find((p) => p.name === c.name).title,
      extra: [{ value: "custom", text: "your own", help: "settings changed by hand" }],
      value: "custom", onChange: (name) => this.on.preset(name),
    });
    this.dataset = componentSelect({
      id: "dataset", label: "Dataset", items: cat.datasets.filter((d) => d.problem !== "regression"),
      value: s.get("dataset"), onChange: (name) => this.on.dataset(name),
      help: "Dataset: the 2-D points the network learns to classify",
    });
    const hiddenWrap = h("div", { class: "control control-hidden", "data-control": "hidden", title: "Hidden layers: units per layer, comma-separated (3, 3, 2 is three layers)" });
    this.hiddenInput = h("input", { id: "ctl-hidden", type: "text", "aria-label": "Hidden layers", spellcheck: "false", title: "Hidden layers: units per layer, comma-separated (3, 3, 2 is three layers)" });
    this.hiddenNote = h("p", { class: "control-note bad", role: "status" });
    this.hiddenInput.addEventListener("change", () => {
      const { widths, error } = parseHidden(this.hiddenInput.value, cat.limits ?? {});
      this.hiddenNote.textContent = error ? `Hidden layers: ${error}` : "";
      this.hiddenInput.setAttribute("aria-invalid", String(!!error));
      if (widths) this.on.hidden(widths);
    });
    hiddenWrap.append(h("label", { for: "ctl-hidden", text: "Hidden layers" }), this.hiddenInput, this.hiddenNote);
    this.activation = componentSelect({
      id: "activation", label: "Activation", items: cat.activations,
      value: s.get("activation")[0], onChange: (name) => this.on.activation(name),
      help: "Activation: the non-linearity of every hidden layer",
    });
    this.lrSlot = h("div", { class: "lr-slot" });
    const speedHelp = "Speed: epochs trained per second. At 30, one epoch per frame: the warping plays as an animation";
    this.speed = h("select", { id: "ctl-speed", "aria-label": "Speed", title: speedHelp },
      ...this.lab.speeds.map((v) => h("option", { value: String(v ?? 0), text: v === null ? "fastest" : `${v} epochs/s` })));
    this.speed.addEventListener("change", () => this.on.speed(Number(this.speed.value)));
    const speedWrap = h("div", { class: "control control-select", "data-control": "speed", title: speedHelp },
      h("label", { for: "ctl-speed", text: "Speed" }), this.speed);
    const mesh = this.lab.mesh;
    this.mesh = paramControl({
      id: "mesh", label: "Mesh lines",
      param: { name: "mesh", kind: "int", low: mesh.low, high: mesh.high, default: mesh.default, step: 1,
        help: "grid lines of the input plane in each direction, carried through every layer" },
      value: mesh.default, onChange: (v) => this.on.mesh(v),
    });
    this.el.replaceChildren(this.preset.el, this.dataset.el, hiddenWrap, this.activation.el, this.lrSlot, speedWrap);
    this.meshEl.replaceChildren(this.mesh.el);
    this.sync();
  }

  /** Show the state's values (after a preset, a hash change or the server's echo). */
  sync(preset = null, mesh = null, speed = null) {
    const s = this.state;
    if (speed !== null) this.speed.value = String(speed);
    if (preset !== null) this.preset.set(preset);
    this.dataset.set(s.get("dataset"));
    this.hiddenInput.value = s.get("hidden").join(", ");
    this.hiddenNote.textContent = "";
    this.activation.set(s.layerActivations()[0] ?? s.get("activation")[0]);
    this.renderLr();
    if (mesh !== null) this.mesh.set(mesh);
  }

  renderLr() {
    const s = this.state;
    const opt = s.optimizers[s.get("optimizer")];
    const param = opt?.params.find((p) => p.name === "lr");
    if (!param) return this.lrSlot.replaceChildren();
    const key = s.componentKeys.optimizer.lr;
    const ctl = paramControl({
      id: key, label: "Learning rate", param: { ...param, help: `${param.help} (optimizer: ${s.get("optimizer")})` },
      value: s.get(key) ?? param.default,
      onChange: (v) => this.on.param(key, v),
    });
    this.lrSlot.replaceChildren(ctl.el);
  }
}

/**
 * The axes picker of one space: what its view shows. Width 1-2: nothing to choose. Width 3: the
 * three units (3-D) or a pair. Wider: a PCA of 2 or 3 components or chosen units.
 * @param width the layer's units; choice the current one ("auto", "pca", "pca3" or indices);
 *   onChange(choice)
 */
export function axesPicker(el, width, choice, onChange) {
  if (width <= 2) return el.replaceChildren();
  const modes = width === 3
    ? [["auto", "all 3 units (3-D)"], ["units", "2 chosen units"]]
    : [["pca", "PCA, 2 components"], ["pca3", "PCA, 3 components"], ["units", "chosen units"]];
  const current = Array.isArray(choice) ? "units" : choice === "auto" ? modes[0][0] : choice;
  const help = "Axes: a layer wider than 2 is drawn through some of its units or through a PCA fitted on the training points' representation";
  const mode = h("select", { id: "ctl-axes", "aria-label": "Axes", title: help },
    ...modes.map(([v, t]) => h("option", { value: v, text: t })));
  mode.value = current;
  const units = Array.isArray(choice) ? [...choice] : [0, 1, ...(width > 3 ? [2] : [])];
  const unitSelect = (axis, i, optional) => {
    const sel = h("select", { id: `ctl-unit-${axis}`, "aria-label": `Unit on the ${axis} axis`, title: `Unit on the ${axis} axis` },
      ...(optional ? [h("option", { value: "", text: "none" })] : []),
      ...Array.from({ length: width }, (_, u) => h("option", { value: String(u), text: `unit ${u + 1}` })));
    sel.value = units[i] === undefined ? "" : String(units[i]);
    sel.addEventListener("change", () => {
      const picked = ["x", "y", "z"].map((a) => el.querySelector(`#ctl-unit-${a}`)?.value ?? "").filter((v) => v !== "").map(Number);
      if (new Set(picked).size !== picked.length || picked.length < 2) {
        sel.setCustomValidity("pick different units");
        sel.reportValidity();
        return;
      }
      sel.setCustomValidity("");
      onChange(picked);
    });
    return h("label", { class: "unit-pick" }, `${axis} `, sel);
  };
  const pickers = h("span", { class: "unit-picks" });
  if (current === "units") {
    pickers.append(unitSelect("x", 0), unitSelect("y", 1));
    if (width > 3) pickers.append(unitSelect("z", 2, true));
  }
  mode.addEventListener("change", () => {
    if (mode.value === "units") onChange(width === 3 ? [0, 1] : [0, 1, 2].slice(0, Math.min(3, width)));
    else onChange(mode.value === "auto" ? "auto" : mode.value);
  });
  el.replaceChildren(h("label", { for: "ctl-axes", text: "Axes" }), mode, pickers);
}
