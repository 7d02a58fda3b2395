// p and q as draggable bars; the engine (POST /api/losses/divergence) returns both normalised
// distributions, H(p), H(p, q), KL(p || q) and the reverse direction; ∞ where KL is infinite.

import { h } from "../../catalog.js";
import { LatestRequest, showValue } from "../activations/request.js";
import { PLOT_CONFIG, baseLayout } from "../activations/palette.js";
import { dragTo, draggableBars } from "./dragbars.js";

const P_COLOR = "#0877bd";
const Q_COLOR = "#f59322";
export const KL_PRESETS = [
  { key: "close", title: "q close to p", p: [0.1, 0.2, 0.4, 0.2, 0.1, 0.0], q: [0.15, 0.2, 0.3, 0.2, 0.1, 0.05] },
  { key: "uniform", title: "q uniform", p: [0.05, 0.1, 0.6, 0.15, 0.05, 0.05], q: [1, 1, 1, 1, 1, 1].map((v) => v / 6) },
  { key: "miss", title: "q misses an outcome (∞)", p: [0.2, 0.2, 0.2, 0.2, 0.2, 0.0], q: [0.3, 0.3, 0.4, 0.0, 0.0, 0.0] },
  { key: "equal", title: "q = p (KL = 0)", p: [0.1, 0.3, 0.2, 0.2, 0.1, 0.1], q: [0.1, 0.3, 0.2, 0.2, 0.1, 0.1] },
];

export class DivergencePanel {
  constructor(els) {
    this.els = els;
    this.w = { p: KL_PRESETS[0].p.slice(), q: KL_PRESETS[0].q.slice() };
    this.request = new LatestRequest("/api/losses/divergence", (json) => this.draw(json));
    for (const preset of KL_PRESETS) {
      els.presets.append(h("button", {
        type: "button", class: "text-btn", "data-preset": preset.key, text: preset.title,
        title: `Set p and q to an example: ${preset.title}`, onclick: () => this.set(preset.p, preset.q),
      }));
    }
    for (const which of ["p", "q"]) {
      draggableBars(els[which], (i, v) => {
        this.w[which] = dragTo(this.w[which], i, v);
        this.refresh();
      });
    }
    this.refresh();
  }

  set(p, q) {
    this.w = { p: p.slice(), q: q.slice() };
    return this.refresh();
  }

  refresh() {
    return this.request.send({ p: this.w.p, q: this.w.q });
  }

  bars(el, y, color, name) {
    const x = y.map((_, i) => String(i + 1));
    Plotly.react(el, [{
      type: "bar", x, y, name, marker: { color }, text: y.map((v) => v.toFixed(2)), textposition: "outside", cliponaxis: false,
      hovertemplate: `outcome %{x}: ${name} = %{y:.3f}<extra></extra>`,
    }], baseLayout({
      showlegend: false, dragmode: false,
      xaxis: { type: "category", title: { text: "outcome", standoff: 4 }, fixedrange: true },
      yaxis: { title: { text: `${name}(outcome)`, standoff: 4 }, range: [0, 1.05], fixedrange: true },
    }), PLOT_CONFIG);
  }

  draw(json) {
    this.w = { p: json.p.slice(), q: json.q.slice() };
    this.bars(this.els.p, json.p, P_COLOR, "p");
    this.bars(this.els.q, json.q, Q_COLOR, "q");
    // Stacked: cross-entropy = entropy + KL, for each direction. An infinite KL is drawn as a
    // hatched bar to the edge, labelled ∞.
    const finite = [json.H_pq, json.H_qp].filter((v) => v !== null);
    const edge = Math.max(1, json.H_p, json.H_q, ...finite) * 1.15;
    const rows = ["H(q, p) = H(q) + KL(q‖p)", "H(p, q) = H(p) + KL(p‖q)"];
    const ent = [json.H_q, json.H_p];
    const kl = [json.KL_qp, json.KL_pq];
    const klDrawn = kl.map((v, i) => (v === null ? edge - ent[i] : v));
    Plotly.react(this.els.chart, [
      { type: "bar", orientation: "h", y: rows, x: ent, name: "entropy", marker: { color: "#9ecae1" }, hovertemplate: "entropy %{x:.4f}<extra></extra>" },
      {
        type: "bar", orientation: "h", y: rows, x: klDrawn, name: "KL", marker: { color: "#b3261e", pattern: { shape: kl.map((v) => (v === null ? "/" : "")) } },
        text: kl.map((v) => `KL ${showValue(v, 3)}`), textposition: "inside", insidetextanchor: "middle", customdata: kl.map((v) => showValue(v)),
        hovertemplate: "KL %{customdata}<extra></extra>",
      },
    ], baseLayout({
      barmode: "stack", margin: { l: 150, r: 12, t: 8, b: 40 },
      xaxis: { title: { text: "nats", standoff: 4 }, range: [0, edge] },
      yaxis: { automargin: true },
    }), PLOT_CONFIG);
    const row = (label, value, key) => h("tr", {}, h("th", { text: label }), h("td", { text: showValue(value), "data-key": key }));
    this.els.numbers.replaceChildren(
      row("H(p)", json.H_p, "H_p"), row("H(p, q)", json.H_pq, "H_pq"), row("KL(p‖q)", json.KL_pq, "KL_pq"),
      row("H(q)", json.H_q, "H_q"), row("H(q, p)", json.H_qp, "H_qp"), row("KL(q‖p)", json.KL_qp, "KL_qp"),
    );
  }
}
