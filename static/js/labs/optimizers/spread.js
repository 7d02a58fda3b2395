// The spread of mini-batch gradients around the full-batch gradient g at the current weights
// (the `gradient_spread` view, engine/batching.py): each dot a mini-batch gradient projected on
// u = g/|g| (across) and v (up, the widest spread across g); ◆ g itself at (|g|, 0), ✕ the
// dots' mean; the dashed line is zero progress along g (dots left of it point uphill).

const PLOT_CONFIG = { displayModeBar: false, responsive: true };
const num = (v) => (v === null || v === undefined ? "–" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : String(+v.toPrecision(3)));

export class SpreadChart {
  constructor(el, note) {
    this.el = el;
    this.note = note;
    this.lastDraw = 0;
  }

  update(spread) {
    const pts = spread.points;
    const x = pts.map((p) => p[0]);
    const y = pts.map((p) => p[1]);
    const uphill = x.filter((v) => v < 0).length / Math.max(1, x.length);
    const traces = [
      {
        type: "scatter", mode: "markers", name: `batches of ${spread.batch_size}`, x, y,
        marker: { size: 5, color: "rgba(8,119,189,0.45)" }, hovertemplate: "along g %{x:.3g}, across %{y:.3g}<extra></extra>",
      },
      {
        type: "scatter", mode: "markers", name: "full batch g", x: [spread.full[0]], y: [spread.full[1]],
        marker: { size: 13, symbol: "diamond", color: "#d55e00", line: { color: "#fff", width: 1 } },
        hovertemplate: "full-batch gradient, |g| = %{x:.3g}<extra></extra>",
      },
      {
        type: "scatter", mode: "markers", name: "mean of batches", x: [spread.mean[0]], y: [spread.mean[1]],
        marker: { size: 11, symbol: "x", color: "#1f2a33" }, hovertemplate: "mean %{x:.3g}, %{y:.3g}<extra></extra>",
      },
    ];
    const layout = {
      margin: { l: 54, r: 10, t: 8, b: 38 },
      xaxis: { title: { text: "component along g (u = g/|g|)", standoff: 4 }, zeroline: true, zerolinecolor: "#b3261e", exponentformat: "power" },
      yaxis: { title: { text: "component across g (v)", standoff: 4 }, zeroline: true, zerolinecolor: "#c9d1d7", scaleanchor: "x", exponentformat: "power" },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
      hovermode: "closest", paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", font: { size: 11 },
    };
    Plotly.react(this.el, traces, layout, PLOT_CONFIG);
    this.el.dataset.norm = String(spread.norm);
    this.el.dataset.variance = String(spread.variance);
    const snr = spread.variance > 0 ? (spread.norm * spread.norm) / spread.variance : null;
    this.note.textContent =
      `Epoch ${spread.epoch}: |g| = ${num(spread.norm)}, mean squared deviation E|G − g|² = ${num(spread.variance)} ` +
      `(signal-to-noise |g|²/E|G − g|² = ${num(snr)}); ${Math.round(uphill * 100)}% of ${spread.samples} batches of ` +
      `${spread.batch_size} point uphill (left of the red line). The spread shrinks as 1/B for batch size B.`;
  }
}
