// The function explorer: pick activations (several overlaid), see f and f′ from the engine
// (POST /api/activations/curves), with the focused one's saturated and dead regions shaded,
// its formula and note from the catalog, and its parameters on live sliders.

import { h, paramControl } from "../../catalog.js";
import { texToHtml } from "./latex.js";
import { LatestRequest } from "./request.js";
import { LINE_COLORS, PLOT_CONFIG, baseLayout, regionShapes } from "./palette.js";

const RANGE = { name: "range", kind: "int", default: 6, low: 2, high: 20, help: "the plotted x range is [−R, R]" };

export class Explorer {
  /** @param catalog the /api/catalog document; els {picker, cards, f, df, range} */
  constructor(catalog, els, { selected = ["sigmoid", "tanh", "relu"], focus = "relu" } = {}) {
    this.list = catalog.activations;
    this.byName = Object.fromEntries(this.list.map((a, i) => [a.name, { ...a, color: LINE_COLORS[i % LINE_COLORS.length] }]));
    this.els = els;
    this.selected = selected.filter((n) => n in this.byName);
    this.focus = this.selected.includes(focus) ? focus : this.selected[0];
    this.params = {};
    for (const a of this.list) this.params[a.name] = Object.fromEntries(a.params.map((p) => [p.name, p.default]));
    this.R = RANGE.default;
    this.request = new LatestRequest("/api/activations/curves", (json) => this.draw(json), (m) => this.showError(m));
    this.buildPicker();
    this.buildRange();
    this.buildCards();
    this.refresh();
  }

  body() {
    return {
      activations: this.selected.map((name) => ({ name, params: this.params[name] })),
      lo: -this.R,
      hi: this.R,
      points: 401,
    };
  }

  refresh() {
    if (!this.selected.length) return Promise.resolve();
    return this.request.send(this.body());
  }

  // ---- controls -----------------------------------------------------------------------------

  buildPicker() {
    this.chips = {};
    for (const a of this.list) {
      const info = this.byName[a.name];
      const chip = h("button", {
        type: "button", class: "chip-btn", "aria-pressed": String(this.selected.includes(a.name)),
        title: `${a.name}: ${a.help}`, "data-name": a.name,
        onclick: () => this.toggle(a.name),
      }, h("span", { class: "swatch", style: `background:${info.color}` }), a.name);
      this.chips[a.name] = chip;
      this.els.picker.append(chip);
    }
  }

  buildRange() {
    const ctl = paramControl({ id: "fn-range", param: RANGE, label: "x range ±", value: this.R, onChange: () => {} });
    ctl.input.addEventListener("input", () => {
      this.R = Number(ctl.input.value);
      this.refresh();
    });
    this.els.range.append(ctl.el);
  }

  toggle(name) {
    const on = !this.selected.includes(name);
    if (on) {
      this.selected.push(name);
      this.focus = name;
    } else {
      if (this.selected.length === 1) return; // keep one
      this.selected = this.selected.filter((n) => n !== name);
      if (this.focus === name) this.focus = this.selected[this.selected.length - 1];
    }
    this.chips[name].setAttribute("aria-pressed", String(on));
    this.buildCards();
    this.refresh();
  }

  setFocus(name) {
    if (this.focus === name) return;
    this.focus = name;
    for (const card of this.els.cards.children) card.classList.toggle("focused", card.dataset.name === name);
    if (this.last) this.draw(this.last);
  }

  buildCards() {
    const cards = this.selected.map((name) => this.card(this.byName[name]));
    this.els.cards.replaceChildren(...cards);
  }

  card(a) {
    const formula = (label, tex) => {
      const el = h("div", { class: "formula" }, h("span", { class: "formula-label", text: label }));
      const math = h("span", { class: "tex" });
      math.innerHTML = texToHtml(tex);
      el.append(math);
      return el;
    };
    const card = h("article", {
      class: `fn-card${a.name === this.focus ? " focused" : ""}`, "data-name": a.name, tabindex: "0",
      title: `Shade ${a.name}'s saturated and dead regions`,
      onclick: () => this.setFocus(a.name),
      onkeydown: (e) => (e.key === "Enter" || e.key === " ") && e.target === card && (e.preventDefault(), this.setFocus(a.name)),
    },
    h("header", {}, h("span", { class: "swatch", style: `background:${a.color}` }), h("strong", { text: a.name }),
      h("span", { class: "range", text: `range ${a.range.replace(/inf/g, "∞")}` })),
    formula("f(x) =", a.formula),
    formula("f′(x) =", a.derivative_formula),
    h("p", { class: "note", text: a.note }));
    for (const p of a.params) {
      // Always a slider (live while dragging), even for a parameter the catalog marks log.
      const step = p.step ?? (p.high - p.low > 20 ? 0.5 : 0.01);
      const ctl = paramControl({
        id: `${a.name}-${p.name}`, param: { ...p, log: false, step }, label: `${p.name}`, value: this.params[a.name][p.name],
        onChange: (v) => this.setParam(a.name, p.name, v),
      });
      if (ctl.input.type === "range") {
        ctl.input.addEventListener("input", () => this.setParam(a.name, p.name, Number(ctl.input.value)));
      }
      ctl.el.addEventListener("click", (e) => e.stopPropagation());
      card.append(ctl.el);
    }
    return card;
  }

  setParam(name, param, value) {
    this.params[name][param] = value;
    this.refresh();
  }

  showError(message) {
    this.els.cards.dataset.error = message;
    console.warn("curves:", message);
  }

  // ---- charts -------------------------------------------------------------------------------

  draw(json) {
    this.last = json;
    const traces = (key) =>
      json.curves.map((c) => ({
        type: "scatter", mode: "lines", name: c.name, x: c.x, y: c[key],
        line: { color: this.byName[c.name].color, width: c.name === this.focus ? 3 : 2 },
        hovertemplate: `${c.name}: ${key === "y" ? "f" : "f′"}(%{x:.2f}) = %{y:.4g}<extra></extra>`,
      }));
    const focused = json.curves.find((c) => c.name === this.focus) ?? json.curves[0];
    const shapes = regionShapes(focused.saturated, focused.dead);
    const axis = (title) => ({ title: { text: title, standoff: 4 }, zeroline: true, zerolinecolor: "#c8d0d6", gridcolor: "#eef1f3" });
    const xaxis = { ...axis("x (pre-activation)"), range: [json.curves[0].x[0], json.curves[0].x.at(-1)] };
    Plotly.react(this.els.f, traces("y"), baseLayout({ xaxis, yaxis: axis("f(x)"), shapes, uirevision: "f" }), PLOT_CONFIG);
    Plotly.react(this.els.df, traces("dy"), baseLayout({ xaxis, yaxis: axis("f′(x)"), shapes, uirevision: "df" }), PLOT_CONFIG);
    this.els.f.dataset.focus = focused.name;
  }
}
