// The linear-separability readout: one bar per space, the accuracy of the best flat cut (a
// line in 2-D, a plane in 3-D, a hyperplane beyond) on the training points in that space. The
// first space where it reaches the threshold is highlighted: there the problem has become
// linearly separable.

const CONFIG = { displayModeBar: false, responsive: true, staticPlot: false };
const BAR = "#9fb3c1";
const REACHED = "#1e7a46";
const SELECTED = "#0877bd";

export class ProbeChart {
  constructor(el) {
    this.el = el;
  }

  /** @param names short space names; probes accuracies (null: regression);
   *  separableAt index or null; threshold; selected space index. */
  update(names, probes, separableAt, threshold, selected) {
    const y = probes.map((p) => (p === null || p === undefined ? 0 : p * 100));
    const colors = probes.map((_, i) => (i === separableAt ? REACHED : BAR));
    const outline = probes.map((_, i) => (i === selected ? SELECTED : "rgba(0,0,0,0)"));
    const text = probes.map((p) => (p === null || p === undefined ? "–" : `${(p * 100).toFixed(1)}%`));
    const traces = [
      {
        type: "bar", x: names, y, text, textposition: "outside", cliponaxis: false,
        marker: { color: colors, line: { color: outline, width: 2 } },
        hovertemplate: "%{x}: %{text} of the training points on the right side of the best flat cut<extra></extra>",
        name: "probe accuracy",
      },
    ];
    const layout = {
      font: { family: "system-ui, sans-serif", size: 11, color: "#1f2a33" },
      margin: { l: 44, r: 8, t: 14, b: 36 },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      yaxis: { title: { text: "probe accuracy (%)", standoff: 4 }, range: [0, 112], tickvals: [0, 25, 50, 75, 100], gridcolor: "#eef1f3", fixedrange: true },
      xaxis: { fixedrange: true, tickfont: { size: 10 } },
      shapes: [{
        type: "line", xref: "paper", x0: 0, x1: 1, y0: threshold * 100, y1: threshold * 100,
        line: { color: REACHED, width: 1, dash: "dot" },
      }],
      showlegend: false,
      bargap: 0.35,
    };
    Plotly.react(this.el, traces, layout, CONFIG);
  }
}
