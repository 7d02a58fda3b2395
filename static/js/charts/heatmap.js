// The output heatmap: the network's prediction over the plane [-6, 6]^2, with the training
// points (white outline) and the test points (black outline) on top, as in TF Playground.
// Also shows one hidden neuron's grid in its place while a neuron is hovered.

import { GREY, SCORE_SCALE, classColor, css, scoreColor } from "../colors.js";

const mix = (a, b, t) => a.map((x, i) => Math.round(x + (b[i] - x) * t));

const LO = -6;
const HI = 6;
const PLOT_CONFIG = { displayModeBar: false, responsive: true, doubleClick: false };

export class HeatmapChart {
  /** @param el the plot's container; o {onHover({x, y, text}|null), onClick(x, y)} */
  constructor(el, o = {}) {
    this.el = el;
    this.o = o;
    this.discretize = false;
    this.showTest = false;
    this.problem = "binary";
    this.nClasses = 2;
    this.grid = null; // what is drawn: {n, kind: "score"|"class"|"neuron", bytes|values, scale}
    this.points = { train: { x: [], y: [] }, test: { x: [], y: [] } };
    this.drawn = false;
    el.addEventListener("mousemove", (e) => this._hover(e));
    el.addEventListener("mouseleave", () => o.onHover?.(null));
    el.addEventListener("click", (e) => {
      const at = this._coords(e);
      if (at) o.onClick?.(at.x, at.y);
    });
  }

  setProblem(problem, nClasses) {
    this.problem = problem;
    this.nClasses = nClasses;
    this._drawPoints();
  }

  setPoints(points) {
    this.points = points;
    this._drawPoints();
  }

  setOptions({ discretize, showTest }) {
    if (discretize !== undefined) this.discretize = discretize;
    if (showTest !== undefined) this.showTest = showTest;
    this.lutKey = null;
    this._drawPoints();
  }

  /** A decoded `output` grid ({n, kind, bytes}). */
  update(output) {
    if (!output) return;
    this.grid = output;
    this._draw();
  }

  /** One hidden neuron's values (Float32Array n*n, row 0 at the bottom), on a symmetric range. */
  showNeuron(values, n, range, label) {
    this.grid = { kind: "neuron", n, values, scale: range, label };
    this._draw();
  }

  reset() {
    this.grid = null;
    this.canvas?.getContext("2d").clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  // ---- drawing ------------------------------------------------------------------------------
  //
  // Plotly draws the axes and the points, once (again only when the points change); the grid
  // itself is painted on a canvas under the plot area with a colour lookup table per byte, so a
  // frame costs one pass over n*n bytes instead of a Plotly redraw.

  _canvas() {
    if (this.canvas?.isConnected) return this.canvas;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "heatmap-grid";
    this.canvas.setAttribute("aria-hidden", "true");
    this.el.prepend(this.canvas);
    this._place();
    return this.canvas;
  }

  /** Put the canvas exactly under Plotly's plot area. */
  _place() {
    const size = this.el._fullLayout?._size;
    if (!size || !this.canvas) return;
    Object.assign(this.canvas.style, {
      left: `${size.l}px`, top: `${size.t}px`, width: `${size.w}px`, height: `${size.h}px`,
    });
  }

  _lut() {
    const g = this.grid;
    const key = `${g.kind}:${this.discretize}:${this.nClasses}`;
    if (this.lutKey === key) return this.lutTable;
    const table = new Uint32Array(256);
    const pack = ([r, gg, b]) => ((255 << 24) | (b << 16) | (gg << 8) | r) >>> 0;
    const k = Math.max(2, this.nClasses);
    for (let b = 0; b < 256; b++) {
      if (g.kind === "class") {
        const cls = Math.min(k - 1, Math.floor(b / 40));
        const conf = this.discretize ? 1 : (b % 40) / 39;
        table[b] = pack(mix(GREY, classColor(cls, k), 0.15 + 0.85 * conf));
      } else {
        const v = b / 127.5 - 1;
        table[b] = pack(scoreColor(this.discretize ? Math.sign(v) : v));
      }
    }
    this.lutKey = key;
    this.lutTable = table;
    return table;
  }

  _paint() {
    const g = this.grid;
    const canvas = this._canvas();
    const n = g.n;
    if (canvas.width !== n) canvas.width = canvas.height = n;
    const ctx = canvas.getContext("2d");
    if (!this.image || this.image.width !== n) this.image = ctx.createImageData(n, n);
    const px = new Uint32Array(this.image.data.buffer);
    if (g.kind === "neuron") {
      const r = g.scale > 0 ? g.scale : 1;
      for (let row = 0; row < n; row++) {
        const o = (n - 1 - row) * n;
        for (let c = 0; c < n; c++) {
          const [cr, cg, cb] = scoreColor(g.values[row * n + c] / r);
          px[o + c] = ((255 << 24) | (cb << 16) | (cg << 8) | cr) >>> 0;
        }
      }
    } else {
      const lut = this._lut();
      const bytes = g.bytes;
      for (let row = 0; row < n; row++) {
        const o = (n - 1 - row) * n; // row 0 is the bottom of the plane, the canvas' last row
        const src = row * n;
        for (let c = 0; c < n; c++) px[o + c] = lut[bytes[src + c]];
      }
    }
    ctx.putImageData(this.image, 0, 0);
  }

  _pointTrace(split, outline) {
    const pts = this.points[split] ?? { x: [], y: [] };
    const regression = this.problem === "regression";
    const colors = regression ? pts.y : pts.y.map((c) => css(classColor(c, this.nClasses)));
    return {
      type: "scatter",
      mode: "markers",
      name: split === "train" ? "training points" : "test points",
      x: pts.x.map((p) => p[0]),
      y: pts.x.map((p) => p[1]),
      customdata: pts.y,
      visible: split === "test" ? this.showTest : true,
      marker: {
        size: 6,
        color: colors,
        ...(regression ? { colorscale: SCORE_SCALE, cmin: -1, cmax: 1 } : {}),
        line: { color: outline, width: 1 },
      },
      hovertemplate: `${split}: (%{x:.2f}, %{y:.2f})<br>${regression ? "target %{customdata:.3f}" : "class %{customdata}"}<extra></extra>`,
    };
  }

  _layout() {
    const axis = (title) => ({
      range: [LO, HI],
      title: { text: title, standoff: 2, font: { size: 11 } },
      tickvals: [-6, -4, -2, 0, 2, 4, 6],
      tickfont: { size: 10 },
      zeroline: false,
      showgrid: false,
      fixedrange: true,
      ticks: "outside",
      ticklen: 3,
      showline: true,
      linecolor: "#c5ccd2",
      mirror: true,
    });
    return {
      margin: { l: 36, r: 6, t: 6, b: 32 },
      xaxis: axis("x₁"),
      yaxis: { ...axis("x₂"), scaleanchor: "x", scaleratio: 1 },
      showlegend: false,
      hovermode: "closest",
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      uirevision: "heatmap",
      dragmode: false,
    };
  }

  _draw() {
    if (!this.drawn) this._drawPoints();
    if (this.grid) this._paint();
  }

  _drawPoints() {
    if (!window.Plotly) return;
    const traces = [this._pointTrace("train", "#ffffff"), this._pointTrace("test", "#000000")];
    Plotly.react(this.el, traces, this._layout(), PLOT_CONFIG);
    if (!this.drawn) {
      this.drawn = true;
      this.el.on?.("plotly_afterplot", () => this._place());
      this._canvas();
    }
    this._place();
    if (this.grid) this._paint();
  }

  // ---- pointer ------------------------------------------------------------------------------

  /** Data coordinates of a mouse event inside the plot area, or null. */
  _coords(e) {
    const full = this.el._fullLayout;
    if (!full?.xaxis) return null;
    const xa = full.xaxis;
    const ya = full.yaxis;
    const rect = this.el.getBoundingClientRect();
    const px = e.clientX - rect.left - xa._offset;
    const py = e.clientY - rect.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
    const x = xa.range[0] + (px / xa._length) * (xa.range[1] - xa.range[0]);
    const y = ya.range[1] - (py / ya._length) * (ya.range[1] - ya.range[0]);
    return { x, y };
  }

  /** The drawn value at a point: {value} for scores, {cls, confidence} for classes. */
  valueAt(x, y) {
    const g = this.grid;
    if (!g) return null;
    const n = g.n;
    const col = Math.min(n - 1, Math.max(0, Math.floor(((x - LO) / (HI - LO)) * n)));
    const row = Math.min(n - 1, Math.max(0, Math.floor(((y - LO) / (HI - LO)) * n)));
    const i = row * n + col;
    if (g.kind === "class") return { cls: Math.floor(g.bytes[i] / 40), confidence: (g.bytes[i] % 40) / 39 };
    if (g.kind === "neuron") return { value: g.values[i], neuron: g.label };
    return { value: g.bytes[i] / 127.5 - 1 };
  }

  _hover(e) {
    const at = this._coords(e);
    if (!at) return this.o.onHover?.(null);
    this.o.onHover?.({ ...at, ...this.valueAt(at.x, at.y) });
  }
}
