// The confusion matrix: how many points of each true class (rows) the network puts in each
// class (columns). The diagonal holds the correct ones; accuracy is its share of the total.

import { classColor, css } from "../colors.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: true };

export class ConfusionChart {
  constructor(el) {
    this.el = el;
    this.last = "";
  }

  reset() {
    this.last = "";
    if (window.Plotly) Plotly.purge(this.el);
  }

  /** `confusion`: k x k counts, rows = true class, columns = predicted class. */
  update(confusion) {
    if (!window.Plotly || !confusion?.length) return;
    const key = JSON.stringify(confusion);
    if (key === this.last) return;
    this.last = key;
    const k = confusion.length;
    const labels = Array.from({ length: k }, (_, i) => `class ${i}`);
    const rowTotals = confusion.map((r) => r.reduce((a, b) => a + b, 0));
    const share = confusion.map((r, i) => r.map((c) => (rowTotals[i] ? c / rowTotals[i] : 0)));
    const annotations = [];
    confusion.forEach((row, i) =>
      row.forEach((c, j) =>
        annotations.push({
          x: labels[j], y: labels[i], text: String(c), showarrow: false,
          font: { color: share[i][j] > 0.55 ? "#fff" : "#222", size: 12 },
        }),
      ),
    );
    Plotly.react(
      this.el,
      [{
        type: "heatmap",
        z: share,
        x: labels,
        y: labels,
        customdata: confusion,
        zmin: 0,
        zmax: 1,
        colorscale: [[0, "#f4f6f7"], [1, "#0b5a8e"]],
        colorbar: { title: { text: "share of row", side: "right" }, thickness: 10, tickformat: ".0%" },
        hovertemplate: "true %{y}, predicted %{x}: %{customdata} points (%{z:.0%} of the row)<extra></extra>",
        xgap: 2,
        ygap: 2,
      }],
      {
        margin: { l: 64, r: 10, t: 8, b: 42 },
        xaxis: {
          title: { text: "predicted class", standoff: 4 }, side: "bottom", type: "category",
          tickfont: { size: 10 },
        },
        yaxis: {
          title: { text: "true class", standoff: 4 }, autorange: "reversed", type: "category",
          tickfont: { size: 10 },
        },
        annotations,
        paper_bgcolor: "rgba(0,0,0,0)",
        font: { size: 11 },
      },
      PLOT_CONFIG,
    );
    // Colour the tick labels like the classes.
    this.el.querySelectorAll(".xtick text, .ytick text").forEach((t) => {
      const m = /class (\d+)/.exec(t.textContent);
      if (m) t.style.fill = css(classColor(Number(m[1]), k));
    });
  }
}
