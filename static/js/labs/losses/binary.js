// BCE and MSE-through-a-sigmoid against the logit, with their gradients (POST
// /api/losses/binary): where the answer is confidently wrong, MSE's gradient is ~0.

import { h } from "../../catalog.js";
import { LatestRequest } from "../activations/request.js";
import { PLOT_CONFIG, baseLayout } from "../activations/palette.js";

const BCE = "#0877bd";
const MSE = "#f59322";

export class BinaryPanel {
  constructor(els) {
    this.els = els;
    this.target = 1;
    this.request = new LatestRequest("/api/losses/binary", (json) => this.draw(json));
    const select = h("select", { id: "ctl-binary-target", "aria-label": "True label t", title: "True label t of the example" },
      h("option", { value: "1", text: "t = 1" }), h("option", { value: "0", text: "t = 0" }));
    select.addEventListener("change", () => {
      this.target = Number(select.value);
      this.refresh();
    });
    els.controls.append(
      h("div", { class: "control control-select", title: "True label t of the example" }, h("label", { for: "ctl-binary-target", text: "True label" }), select),
      h("p", { class: "explain", text: "With t = 1, negative logits are confidently wrong: look at the gradients on the left of the right-hand chart." }),
    );
    this.refresh();
  }

  refresh() {
    return this.request.send({ target: this.target, lo: -8, hi: 8, points: 401 });
  }

  draw(json) {
    const line = (name, y, color) => ({ type: "scatter", mode: "lines", name, x: json.z, y, line: { color, width: 2.5 }, hovertemplate: `${name}: %{y:.4g} at z = %{x:.2f}<extra></extra>` });
    const wrong = this.target === 1 ? [-8, 0] : [0, 8];
    const shade = [{ type: "rect", xref: "x", yref: "paper", x0: wrong[0], x1: wrong[1], y0: 0, y1: 1, fillcolor: "rgba(179,38,30,0.07)", line: { width: 0 }, layer: "below" }];
    const note = [{ xref: "x", x: (wrong[0] + wrong[1]) / 2, yref: "paper", y: 1, yanchor: "top", text: "wrong side", showarrow: false, font: { size: 10, color: "#b3261e" } }];
    const x = { title: { text: "logit z", standoff: 4 } };
    Plotly.react(this.els.loss, [line("BCE", json.bce, BCE), line("MSE (through σ)", json.mse, MSE)],
      baseLayout({ xaxis: x, yaxis: { title: { text: "loss", standoff: 4 }, rangemode: "tozero" }, shapes: shade, annotations: note }), PLOT_CONFIG);
    Plotly.react(this.els.grad, [line("∂BCE/∂z", json.dbce, BCE), line("∂MSE/∂z", json.dmse, MSE)],
      baseLayout({ xaxis: x, yaxis: { title: { text: "∂L/∂z", standoff: 4 }, zeroline: true }, shapes: shade, annotations: note }), PLOT_CONFIG);
  }
}
