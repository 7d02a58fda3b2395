// Colours of the activation explorer (one per activation, in catalog order) and of the
// shaded regions. Okabe & Ito's colourblind-safe set first, then darker companions.

export const LINE_COLORS = [
  "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9",
  "#183d4e", "#8c6d31", "#6a3d9a", "#b15928", "#4d4d4d", "#1b9e77",
];
export const SATURATED_FILL = "rgba(245, 147, 34, 0.16)";
export const DEAD_FILL = "rgba(179, 38, 30, 0.14)";
export const PLOT_CONFIG = { displayModeBar: false, responsive: true };

/** The layout bits every chart of the lab shares. */
export function baseLayout(extra = {}) {
  return {
    margin: { l: 52, r: 12, t: 8, b: 40 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    font: { size: 11 },
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom", font: { size: 11 } },
    ...extra,
  };
}

/** Plotly rectangles (full height) for the [x0, x1] intervals of a curve's regions. */
export function regionShapes(saturated, dead, xref = "x", yref = "paper") {
  const rect = (fill) => ([x0, x1]) => ({
    type: "rect", xref, yref, x0, x1, y0: 0, y1: 1, fillcolor: fill, line: { width: 0 }, layer: "below",
  });
  return [...(saturated ?? []).map(rect(SATURATED_FILL)), ...(dead ?? []).map(rect(DEAD_FILL))];
}
