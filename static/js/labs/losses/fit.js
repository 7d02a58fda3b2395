// Mode-seeking versus mean-covering: a two-peak p (sliders), and the one-peak q the engine fits
// under each direction of KL (POST /api/losses/fit).

import { paramControl } from "../../catalog.js";
import { LatestRequest, showValue } from "../activations/request.js";
import { PLOT_CONFIG, baseLayout } from "../activations/palette.js";

const PARAMS = [
  { name: "separation", kind: "float", low: 0, high: 8, step: 0.1, default: 4, help: "distance between p's two peaks" },
  { name: "width", kind: "float", low: 0.3, high: 3, step: 0.05, default: 0.7, help: "standard deviation of each peak" },
  { name: "weight", kind: "float", low: 0, high: 1, step: 0.01, default: 0.5, help: "mass of the left peak" },
];

export class FitPanel {
  constructor(els) {
    this.els = els;
    this.v = Object.fromEntries(PARAMS.map((p) => [p.name, p.default]));
    this.request = new LatestRequest("/api/losses/fit", (json) => this.draw(json));
    for (const p of PARAMS) {
      const ctl = paramControl({ id: `fit-${p.name}`, label: p.name, param: p, value: p.default, onChange: () => {} });
      ctl.input.addEventListener("input", () => {
        this.v[p.name] = Number(ctl.input.value);
        this.refresh();
      });
      els.controls.append(ctl.el);
    }
    this.refresh();
  }

  body() {
    const half = this.v.separation / 2;
    return { a: -half, b: half, width: this.v.width, weight: this.v.weight, lo: -6, hi: 6, points: 161 };
  }

  refresh() {
    return this.request.send(this.body());
  }

  draw(json) {
    const line = (name, y, color, dash) => ({
      type: "scatter", mode: "lines", name, x: json.x, y, line: { color, width: 2.5, dash },
      hovertemplate: `${name}: %{y:.4f} at x = %{x:.2f}<extra></extra>`,
    });
    Plotly.react(this.els.chart, [
      { ...line("p (two peaks)", json.p, "#0877bd"), fill: "tozeroy", fillcolor: "rgba(8,119,189,0.15)", line: { color: "#0877bd", width: 1.5 } },
      line("q minimising KL(p‖q): mean-covering", json.forward.q, "#1e7a46", "dash"),
      line("q minimising KL(q‖p): mode-seeking", json.reverse.q, "#b3261e", "solid"),
    ], baseLayout({
      xaxis: { title: { text: "x", standoff: 4 } },
      yaxis: { title: { text: "probability per point", standoff: 4 }, rangemode: "tozero" },
      legend: { x: 0, xanchor: "left", y: 1, yanchor: "top", bgcolor: "rgba(255,255,255,0.8)" },
    }), PLOT_CONFIG);
    const f = json.forward;
    const r = json.reverse;
    this.els.numbers.textContent =
      `Forward fit: μ = ${showValue(f.mu, 2)}, σ = ${showValue(f.sigma, 2)}, KL(p‖q) = ${showValue(f.kl)} nats. ` +
      `Reverse fit: μ = ${showValue(r.mu, 2)}, σ = ${showValue(r.sigma, 2)}, KL(q‖p) = ${showValue(r.kl)} nats.`;
  }
}
