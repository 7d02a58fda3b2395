// Gradient norms per Dense layer, on a log axis: ‖∂L/∂W‖ and ‖∂L/∂b‖ as bars from the input
// side to the output. Bars shrinking by orders of magnitude toward the input mean vanishing
// gradients (those layers barely learn); bars growing toward huge values mean exploding ones.

const PLOT_CONFIG = { displayModeBar: false, responsive: true };

export class GradientChart {
  constructor(el) {
    this.el = el;
    this.drawn = false;
    this.key = "";
  }

  reset() {
    this.drawn = false;
    this.key = "";
    if (window.Plotly) Plotly.purge(this.el);
  }

  /** A frame's `gradients`: [{layer, grad_norm, bias_grad_norm, weight_norm, update_ratio}]. */
  update(gradients) {
    if (!window.Plotly || !gradients?.length) return;
    const n = gradients.length;
    const names = gradients.map((g, i) => (i === n - 1 ? "output" : `hidden ${g.layer + 1}`));
    const floor = (v) => (v === null || !(v > 0) ? null : v);
    const w = gradients.map((g) => floor(g.grad_norm));
    const b = gradients.map((g) => floor(g.bias_grad_norm));
    const info = gradients.map((g) => [g.weight_norm ?? 0, g.update_ratio ?? 0]);
    const key = names.join(",");
    if (this.drawn && key === this.key) {
      Plotly.restyle(this.el, { y: [w, b], customdata: [info, info] }, [0, 1]);
      return;
    }
    this.key = key;
    const bar = (name, y, color) => ({
      type: "bar",
      name,
      x: names,
      y,
      customdata: info,
      marker: { color },
      hovertemplate:
        `%{x}: ${name} = %{y:.3g}<br>‖W‖ = %{customdata[0]:.3g}, update/weight = %{customdata[1]:.2g}<extra></extra>`,
    });
    Plotly.react(
      this.el,
      [bar("‖∂L/∂W‖", w, "#0877bd"), bar("‖∂L/∂b‖", b, "#9ecae1")],
      {
        margin: { l: 52, r: 10, t: 8, b: 38 },
        barmode: "group",
        xaxis: { title: { text: "Dense layer (input → output)", standoff: 4 }, type: "category" },
        yaxis: { title: { text: "gradient norm", standoff: 4 }, type: "log", exponentformat: "power", dtick: 1 },
        legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "#ffffff",
        font: { size: 11 },
        uirevision: "gradients",
      },
      PLOT_CONFIG,
    );
    this.drawn = true;
  }
}
