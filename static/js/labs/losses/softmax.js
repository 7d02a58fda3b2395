// Softmax with temperature: up to 6 logits on sliders, the temperature and the true class; the
// engine (POST /api/losses/softmax) returns the probabilities, -log p_true and the gradient.

import { h, paramControl } from "../../catalog.js";
import { LatestRequest, showValue } from "../activations/request.js";
import { LINE_COLORS, PLOT_CONFIG, baseLayout } from "../activations/palette.js";

const LOGIT = { name: "logit", kind: "float", low: -6, high: 6, step: 0.1, default: 0, help: "this class's logit z" };
const TEMPERATURE = { name: "temperature", kind: "float", low: 0.1, high: 10, default: 1, help: "T: divides every logit before the softmax" };
const START = [2, 1, 0.1, -1, 0.5, -0.5];

export class SoftmaxPanel {
  constructor(els, maxClasses) {
    this.els = els;
    this.k = 3;
    this.maxClasses = maxClasses;
    this.logits = START.slice(0, maxClasses);
    this.target = 0;
    this.logT = 0; // the slider moves log10 T, so 0.1..10 is even
    this.request = new LatestRequest("/api/losses/softmax", (json) => this.draw(json));
    this.render();
    this.refresh();
  }

  get temperature() {
    return +(10 ** this.logT).toPrecision(4);
  }

  body() {
    return { logits: this.logits.slice(0, this.k), target: this.target, temperature: this.temperature };
  }

  refresh() {
    return this.request.send(this.body());
  }

  live(ctl, apply) {
    ctl.input.addEventListener("input", () => {
      apply(Number(ctl.input.value));
      this.refresh();
    });
    return ctl.el;
  }

  render() {
    const classes = paramControl({
      id: "classes", label: "Classes", value: this.k, onChange: () => {},
      param: { name: "classes", kind: "int", low: 2, high: this.maxClasses, default: 3, help: "how many classes (logits)" },
    });
    classes.input.addEventListener("change", () => {
      this.k = Number(classes.input.value);
      this.target = Math.min(this.target, this.k - 1);
      this.render();
      this.refresh();
    });
    const target = h("select", { id: "ctl-target", "aria-label": "True class", title: "True class: the label of this example" },
      ...Array.from({ length: this.k }, (_, i) => h("option", { value: String(i), text: `class ${i + 1}` })));
    target.value = String(this.target);
    target.addEventListener("change", () => {
      this.target = Number(target.value);
      this.refresh();
    });
    const temp = paramControl({
      id: "temperature", label: "Temperature T", value: this.logT, format: () => String(this.temperature), onChange: () => {},
      param: { ...TEMPERATURE, low: -1, high: 1, step: 0.01, default: 0 },
    });
    temp.input.title = temp.el.title = `Temperature T: ${TEMPERATURE.help} (0.1 to 10, log scale)`;
    const tempEl = this.live(temp, (v) => {
      this.logT = v;
      temp.el.querySelector("output").textContent = String(this.temperature);
    });
    temp.el.querySelector("output").textContent = String(this.temperature);
    const logits = Array.from({ length: this.k }, (_, i) => {
      const ctl = paramControl({ id: `logit-${i}`, label: `z${i + 1} (class ${i + 1})`, param: LOGIT, value: this.logits[i], onChange: () => {} });
      return this.live(ctl, (v) => (this.logits[i] = v));
    });
    this.els.controls.replaceChildren(
      classes.el,
      h("div", { class: "control control-select", title: "True class: the label of this example" },
        h("label", { for: "ctl-target", text: "True class" }), target),
      tempEl,
      ...logits,
    );
  }

  draw(json) {
    const x = json.probs.map((_, i) => `class ${i + 1}`);
    const colors = x.map((_, i) => (i === this.target ? "#183d4e" : LINE_COLORS[5]));
    const bar = (y, name, fmt) => ({
      type: "bar", x, y, name, marker: { color: colors }, text: y.map(fmt), textposition: "outside", cliponaxis: false,
      hovertemplate: `%{x}: ${name} = %{y:.4f}<extra></extra>`,
    });
    const axis = { type: "category", title: { text: "class (dark: the true one)", standoff: 4 } };
    Plotly.react(this.els.probs, [bar(json.probs, "p", (v) => v.toFixed(3))],
      baseLayout({ showlegend: false, xaxis: axis, yaxis: { title: { text: "probability", standoff: 4 }, range: [0, 1.12] } }), PLOT_CONFIG);
    const g = Math.max(1, ...json.grad.map(Math.abs)) * 1.2;
    Plotly.react(this.els.grad, [bar(json.grad, "∂L/∂z", (v) => v.toFixed(3))],
      baseLayout({ showlegend: false, xaxis: axis, yaxis: { title: { text: "∂L/∂z", standoff: 4 }, range: [-g, g], zeroline: true } }), PLOT_CONFIG);
    this.els.nll.textContent = showValue(json.nll);
    this.els.nll.dataset.value = String(json.nll);
  }
}
