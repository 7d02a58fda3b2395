// One hidden layer's pre-activations (the frame's histogram, as shares of all entries) drawn
// over the activation's derivative f′(x) from the engine, with its saturated and dead bands.
// The derivative is fetched for a "nice" symmetric range that covers the histogram, so it is
// asked for again only when the histogram outgrows (or shrinks well inside) that range.

import { PLOT_CONFIG, baseLayout, regionShapes } from "./palette.js";
import { LatestRequest } from "./request.js";

const NICE = [1, 2, 5];

function niceRange(extent) {
  const e = Math.max(extent, 1);
  for (let p = 0; p < 3; p++) for (const m of NICE) if (m * 10 ** p >= e) return Math.min(m * 10 ** p, 50);
  return 50;
}

export class LayerHistogram {
  constructor(el) {
    this.el = el;
    this.spec = null;
    this.R = 0;
    this.curve = null;
    this.stat = null;
    this.request = new LatestRequest("/api/activations/curves", (json) => {
      this.curve = json.curves[0];
      this.draw();
    });
  }

  /** The activation spec the net uses: "relu" or {"name": "leaky_relu", "slope": 0.1}. */
  setActivation(spec) {
    const key = JSON.stringify(spec);
    if (key === JSON.stringify(this.spec)) return;
    this.spec = spec;
    this.curve = null;
    this.R = 0;
  }

  /** One layer's `activations` entry: {histogram: {counts, edges}, ...}. */
  update(stat) {
    this.stat = stat;
    const edges = stat?.histogram?.edges;
    if (edges?.length && this.spec) {
      const R = niceRange(Math.max(Math.abs(edges[0]), Math.abs(edges.at(-1))) * 1.1);
      if (R !== this.R) {
        this.R = R;
        const { name, ...params } = typeof this.spec === "string" ? { name: this.spec } : this.spec;
        this.request.send({ activations: [{ name, params }], lo: -R, hi: R, points: 401 });
      }
    }
    this.draw();
  }

  draw() {
    const stat = this.stat;
    if (!stat || !window.Plotly) return;
    const { counts, edges } = stat.histogram;
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    const centres = counts.map((_, i) => (edges[i] + edges[i + 1]) / 2);
    const traces = [{
      type: "bar", name: "pre-activations", x: centres, y: counts.map((c) => c / total),
      width: counts.map((_, i) => edges[i + 1] - edges[i]), marker: { color: "rgba(8,119,189,0.55)", line: { width: 0 } },
      hovertemplate: "x ≈ %{x:.3g}: %{y:.1%} of entries<extra></extra>",
    }];
    const shapes = [];
    if (this.curve) {
      traces.push({
        type: "scatter", mode: "lines", name: "f′(x)", x: this.curve.x, y: this.curve.dy, yaxis: "y2",
        line: { color: "#183d4e", width: 2 }, hovertemplate: "f′(%{x:.2f}) = %{y:.3g}<extra></extra>",
      });
      shapes.push(...regionShapes(this.curve.saturated, this.curve.dead));
    }
    const lo = edges[0];
    const hi = edges.at(-1);
    const pad = Math.max((hi - lo) * 0.15, 0.5);
    Plotly.react(
      this.el,
      traces,
      baseLayout({
        margin: { l: 48, r: 44, t: 8, b: 40 },
        bargap: 0,
        xaxis: { title: { text: "pre-activation x", standoff: 4 }, range: [lo - pad, hi + pad] },
        yaxis: { title: { text: "share of entries", standoff: 4 }, tickformat: ".0%", rangemode: "tozero" },
        yaxis2: { title: { text: "f′(x)", standoff: 2 }, overlaying: "y", side: "right", rangemode: "tozero", showgrid: false },
        shapes,
        uirevision: "hist",
      }),
      PLOT_CONFIG,
    );
  }
}
