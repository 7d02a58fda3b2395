// The large view of one space: the mesh lines' images and the data points, in the plane (2
// shown axes), in a rotatable 3-D scene (3 axes; the camera is kept across updates through
// `uirevision`) or on a line (1 axis: the points spread vertically so they can be seen).
//
// Trace order, fixed per kind so Plotly.react updates in place: mesh lines (x₂ fixed), mesh
// lines (x₁ fixed), then one trace of points per class (or one coloured by value).

import { SCORE_SCALE, classColor, css } from "../../colors.js";

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage", "sendDataToCloud"] };
const MESH_COLORS = ["rgba(24, 61, 78, 0.42)", "rgba(120, 94, 60, 0.38)"];
const MESH_COLORS_3D = ["#8fa6b5", "#c9b08f"]; // WebGL blends alpha poorly: opaque, paler
const FONT = { family: "system-ui, sans-serif", size: 12, color: "#1f2a33" };

/** Deterministic vertical spread in [-1, 1] for point i (golden-ratio sequence). */
export const spread = (i) => ((i * 0.6180339887) % 1) * 2 - 1;

function padded([lo, hi]) {
  const pad = (hi - lo) * 0.04 || 0.5;
  return [lo - pad, hi + pad];
}

export class SpacePlot {
  constructor(el) {
    this.el = el;
    this.kind = null;
  }

  /**
   * @param o {mesh: [axis arrays] | null, points: [axis arrays], half, samples, labels,
   *   labelKind, nClasses, axes: [names], range: [[lo, hi] per axis], key (camera identity)}
   */
  update(o) {
    const d = o.axes.length;
    const kind = d >= 3 ? "3d" : d === 2 ? "2d" : "1d";
    const traces = [...this._mesh(o, kind), ...this._points(o, kind)];
    const layout = kind === "3d" ? this._layout3d(o) : this._layout2d(o, kind);
    if (kind !== this.kind) {
      Plotly.purge(this.el); // a 3-D scene and 2-D axes do not morph into each other
      this.kind = kind;
    }
    Plotly.react(this.el, traces, layout, CONFIG);
  }

  _mesh(o, kind) {
    const cut = o.half * (o.samples + 1); // the first `half` lines hold x₂ fixed
    const names = ["mesh: lines of constant x₂", "mesh: lines of constant x₁"];
    return [0, 1].map((part) => {
      const pick = (axis) => (o.mesh ? (part === 0 ? axis.subarray(0, cut) : axis.subarray(cut)) : []);
      const trace = {
        name: names[part],
        mode: "lines",
        hoverinfo: "skip",
        line: { color: (kind === "3d" ? MESH_COLORS_3D : MESH_COLORS)[part], width: kind === "3d" ? 2 : 1 },
        showlegend: !!o.mesh,
        x: o.mesh && kind !== "1d" ? pick(o.mesh[0]) : [],
        y: o.mesh && kind !== "1d" ? pick(o.mesh[1]) : [],
        type: kind === "3d" ? "scatter3d" : "scattergl",
      };
      if (kind === "3d") trace.z = o.mesh ? pick(o.mesh[2]) : [];
      return trace;
    });
  }

  _points(o, kind) {
    const marker = (color) => ({
      color, size: kind === "3d" ? 3.5 : 6, line: { color: "#fff", width: kind === "3d" ? 0 : 1 },
    });
    const coord = (axisIdx, idx) => {
      if (kind === "1d" && axisIdx === 1) return Float32Array.from(idx, spread);
      const axis = o.points[axisIdx];
      return Float32Array.from(idx, (i) => axis[i]);
    };
    const make = (name, idx, m) => {
      const t = { name, mode: "markers", type: kind === "3d" ? "scatter3d" : "scattergl", marker: m,
        x: coord(0, idx), y: coord(1, idx), hovertemplate: `${name}<br>%{x:.3f}, %{y:.3f}<extra></extra>` };
      if (kind === "3d") {
        t.z = coord(2, idx);
        t.hovertemplate = `${name}<br>%{x:.3f}, %{y:.3f}, %{z:.3f}<extra></extra>`;
      } else if (kind === "1d") {
        t.hovertemplate = `${name}<br>%{x:.3f}<extra></extra>`;
      }
      return t;
    };
    const n = o.points[0].length;
    if (o.labelKind !== "class") {
      const all = Array.from({ length: n }, (_, i) => i);
      return [make("points (colour: target)", all, { ...marker(Array.from(o.labels)), colorscale: SCORE_SCALE, cmin: -1, cmax: 1 })];
    }
    const byClass = Array.from({ length: o.nClasses }, () => []);
    for (let i = 0; i < n; i++) byClass[o.labels[i]]?.push(i);
    return byClass.map((idx, c) => make(`class ${c}`, idx, marker(css(classColor(c, o.nClasses)))));
  }

  _layout2d(o, kind) {
    const axis = (title, range) => ({
      title: { text: title, standoff: 6 }, range: padded(range), zeroline: false, fixedrange: true,
      gridcolor: "#eef1f3", linecolor: "#c9d1d7", mirror: true, ticks: "outside", tickcolor: "#c9d1d7",
    });
    const y = kind === "1d"
      ? { ...axis("spread (no meaning: keeps points apart)", [-1, 1]), showticklabels: false, ticks: "" }
      : axis(o.axes[1], o.range[1]);
    return {
      font: FONT, margin: { l: 58, r: 12, t: 10, b: 46 }, paper_bgcolor: "#fff", plot_bgcolor: "#fbfcfd",
      xaxis: axis(o.axes[0], o.range[0]), yaxis: y, dragmode: false, hovermode: "closest",
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top", font: { size: 11 } },
      uirevision: o.key,
    };
  }

  _layout3d(o) {
    const axis = (title, range) => ({
      title: { text: title }, range: padded(range), backgroundcolor: "#fbfcfd", showbackground: true,
      gridcolor: "#e3e8ec", zerolinecolor: "#c9d1d7",
    });
    return {
      font: FONT, margin: { l: 0, r: 0, t: 0, b: 0 }, paper_bgcolor: "#fff",
      scene: {
        xaxis: axis(o.axes[0], o.range[0]), yaxis: axis(o.axes[1], o.range[1]), zaxis: axis(o.axes[2], o.range[2]),
        aspectmode: "cube", uirevision: o.key,
      },
      legend: { orientation: "h", x: 0, y: 0, yanchor: "bottom", font: { size: 11 }, bgcolor: "rgba(255,255,255,0.7)" },
      uirevision: o.key,
    };
  }
}
