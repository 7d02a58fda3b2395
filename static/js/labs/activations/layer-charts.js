// Two per-layer charts of the gradient-flow panel: the share of saturated entries and dead
// units per hidden layer (from the frame's `activations`), and each Dense layer's
// update-to-weight ratio on a log axis with the engine's guide line (from `gradients`).

import { PLOT_CONFIG, baseLayout } from "./palette.js";

export class UnitsChart {
  constructor(el) {
    this.el = el;
  }

  /** A frame's `activations`: [{saturated, dead, zero_slope, ...}] per hidden layer. */
  update(stats) {
    if (!stats?.length || !window.Plotly) return;
    const x = stats.map((_, i) => String(i + 1));
    const bar = (name, key, color) => ({
      type: "bar", name, x, y: stats.map((s) => s[key]), marker: { color },
      hovertemplate: `layer %{x}: ${name} %{y:.1%}<extra></extra>`,
    });
    Plotly.react(
      this.el,
      [bar("saturated", "saturated", "#f59322"), bar("dead units", "dead", "#b3261e")],
      baseLayout({
        barmode: "group",
        xaxis: { title: { text: "hidden layer (input → output)", standoff: 4 }, type: "category" },
        yaxis: { title: { text: "share", standoff: 4 }, range: [0, 1], tickformat: ".0%" },
        uirevision: "units",
      }),
      PLOT_CONFIG,
    );
  }
}

export class RatioChart {
  constructor(el, guide) {
    this.el = el;
    this.guide = guide;
  }

  /** A frame's `gradients`: update_ratio per Dense layer (null before the first step). */
  update(gradients) {
    if (!gradients?.length || !window.Plotly) return;
    const n = gradients.length;
    const x = gradients.map((g, i) => (i === n - 1 ? "out" : String(g.layer + 1)));
    const y = gradients.map((g) => (g.update_ratio > 0 && Number.isFinite(g.update_ratio) ? g.update_ratio : null));
    Plotly.react(
      this.el,
      [{
        type: "scatter", mode: "lines+markers", name: "‖ΔW‖ / ‖W‖", x, y,
        line: { color: "#0877bd", width: 2 }, marker: { size: 6 }, connectgaps: false,
        hovertemplate: "layer %{x}: %{y:.2e}<extra></extra>",
      }],
      baseLayout({
        showlegend: false,
        xaxis: { title: { text: "Dense layer (input → output)", standoff: 4 }, type: "category" },
        yaxis: { title: { text: "update / weight", standoff: 4 }, type: "log", exponentformat: "power", dtick: 1 },
        shapes: [{
          type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: this.guide, y1: this.guide,
          line: { color: "#5b6670", width: 1.5, dash: "dash" },
        }],
        annotations: [{
          xref: "paper", x: 1, xanchor: "right", yref: "y", y: Math.log10(this.guide), yanchor: "bottom",
          text: `guide ${this.guide.toExponential(0)}`, showarrow: false, font: { size: 10, color: "#5b6670" },
        }],
        uirevision: "ratio",
      }),
      PLOT_CONFIG,
    );
  }
}

export class GradientBars {
  constructor(el) {
    this.el = el;
  }

  /** A frame's `gradients`: ‖∂L/∂W‖ and ‖∂L/∂b‖ per Dense layer as bars on a log axis. */
  update(gradients) {
    if (!gradients?.length || !window.Plotly) return;
    const n = gradients.length;
    const x = gradients.map((g, i) => (i === n - 1 ? "out" : String(g.layer + 1)));
    const positive = (v) => (v > 0 && Number.isFinite(v) ? v : null);
    const bar = (name, key, color) => ({
      type: "bar", name, x, y: gradients.map((g) => positive(g[key])), marker: { color },
      hovertemplate: `layer %{x}: ${name} = %{y:.3g}<extra></extra>`,
    });
    Plotly.react(
      this.el,
      [bar("‖∂L/∂W‖", "grad_norm", "#0877bd"), bar("‖∂L/∂b‖", "bias_grad_norm", "#9ecae1")],
      baseLayout({
        barmode: "group",
        xaxis: { title: { text: "Dense layer (input → output)", standoff: 4 }, type: "category" },
        yaxis: { title: { text: "gradient norm", standoff: 4 }, type: "log", exponentformat: "power", dtick: 1 },
        uirevision: "bars",
      }),
      PLOT_CONFIG,
    );
  }
}
