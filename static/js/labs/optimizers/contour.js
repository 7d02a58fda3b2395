// The surface's contours with the known minima (★), the common start (●, draggable) and every
// racer's trail. Plotly draws the static part once per surface (the contour image, axes, colour
// bar, minima, start); the trails and the racers' current points go on two canvases laid over
// the plot area, so a frame costs a few line segments, not a Plotly redraw. `trails` holds
// every drawn point (x, y per racer), as plotted.
//
//   chart.setSurface(msg, colors)    // a `surface` message: contours, minima, start, racers
//   chart.restart(start)             // every trail back to the start point
//   chart.extend(trails)             // [{x: [...], y: [...]}] per racer: new points
//   chart.draw()                     // put what came since the last draw on the plot

import { racerColor } from "./colors.js";
import { contourImage, levelColor, sample } from "./contourimage.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: true, doubleClick: false };
const TRAIL = 5000; // points kept per trail, as the engine keeps

export class ContourChart {
  /** @param {object} o {onStart([x, y], final)}: a click or drag on the plot */
  constructor(el, o) {
    this.el = el;
    this.onStart = o.onStart;
    this.onHover = o.onHover;
    this.drawn = false;
    this.trailCanvas = this._canvas("opt-trails");
    this.headCanvas = this._canvas("opt-heads");
    this.trailCtx = this.trailCanvas.getContext("2d");
    this.headCtx = this.headCanvas.getContext("2d");
    new ResizeObserver(() => requestAnimationFrame(() => this._place())).observe(el);
    this._bindDrag();
  }

  _canvas(cls) {
    const c = document.createElement("canvas");
    c.className = `opt-overlay ${cls}`;
    c.setAttribute("aria-hidden", "true");
    this.el.parentElement.append(c);
    return c;
  }

  /** The contour values: log10(f - f* + floor) when the surface asks for a log scale. */
  static levels(surface, z) {
    if (!surface.log_scale || surface.minimum_value === null) return { z, log: false };
    const fmin = surface.minimum_value;
    const floor = 1e-3;
    return { z: z.map((row) => row.map((v) => Math.log10(Math.max(v - fmin, 0) + floor))), log: true };
  }

  setSurface(msg, labels) {
    const s = msg.surface;
    this.domain = s.domain;
    this.k = msg.racers.length;
    const { z, log } = ContourChart.levels(s, msg.contour.z);
    let zmin = Infinity;
    let zmax = -Infinity;
    for (const row of z) for (const v of row) if (Number.isFinite(v)) { zmin = Math.min(zmin, v); zmax = Math.max(zmax, v); }
    this.contourData = { x: msg.contour.x, y: msg.contour.y, z: msg.contour.z };
    this.image = contourImage(z, zmin, zmax);
    // Only a colour bar: an invisible marker whose scale spans the levels.
    const scale = Array.from({ length: 11 }, (_, i) => [i / 10, `rgb(${levelColor(i / 10).join(",")})`]);
    const colorbar = {
      type: "scatter", mode: "markers", x: [null], y: [null], hoverinfo: "skip", showlegend: false,
      marker: { color: [zmin, zmax], cmin: zmin, cmax: zmax, colorscale: scale, showscale: true, size: 0.1,
        colorbar: { thickness: 10, len: 0.9, outlinewidth: 0, tickfont: { size: 10 },
          title: { text: log ? "log₁₀(f − f*)" : "f", side: "right", font: { size: 11 } } } },
    };
    const minima = {
      type: "scatter", mode: "markers", name: "known minima",
      x: s.minima.map((m) => m[0]), y: s.minima.map((m) => m[1]),
      marker: { symbol: "star", size: 15, color: "#ffd54f", line: { color: "#3e2723", width: 1 } },
      hovertemplate: "minimum (%{x:.3f}, %{y:.3f})<extra></extra>", showlegend: false,
    };
    const start = {
      type: "scatter", mode: "markers", name: "start", x: [msg.start[0]], y: [msg.start[1]],
      marker: { size: 12, color: "#ffffff", line: { color: "#1f2a33", width: 2.5 } },
      hovertemplate: "start (%{x:.2f}, %{y:.2f})<extra></extra>", showlegend: false,
    };
    const [x0, x1, y0, y1] = s.domain;
    const layout = {
      margin: { l: 36, r: 4, t: 4, b: 32 },
      xaxis: { range: [x0, x1], title: { text: "x", standoff: 2 }, zeroline: false, showgrid: false, fixedrange: true, constrain: "domain" },
      yaxis: { range: [y0, y1], title: { text: "y", standoff: 2 }, zeroline: false, showgrid: false, fixedrange: true, scaleanchor: "x", constrain: "domain" },
      images: [{ source: this.image, xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0,
        sizing: "stretch", layer: "below" }],
      dragmode: false, hovermode: "closest", showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { size: 11 },
    };
    Plotly.react(this.el, [colorbar, minima, start], layout, PLOT_CONFIG);
    if (!this.drawn) this.el.on("plotly_afterplot", () => this._place());
    this.drawn = true;
    this.labels = labels;
    this.restart(msg.start, false);
    this._place();
  }

  /** Every racer back to `start`; the start marker moves there. */
  restart(start, moveMarker = true) {
    // Empty: every frame that starts a race over carries step 0 (the start) in its trails.
    this.trails = Array.from({ length: this.k }, () => ({ x: [], y: [] }));
    this.painted = this.trails.map(() => 0); // points of each trail already on the canvas
    if (moveMarker) this.moveStart(start);
    this._paintAll();
  }

  /** Move only the start marker (while dragging, before the server's answer). */
  moveStart(p) {
    if (this.drawn) Plotly.restyle(this.el, { x: [[p[0]]], y: [[p[1]]] }, [2]);
  }

  /** New points of every racer (a frame's trails; `steps` the racers' steps after them). A
   *  trail that starts at step 0 (a whole history) replaces what is there. */
  extend(trails, steps) {
    trails.forEach((t, i) => {
      const trail = this.trails?.[i];
      if (!trail || !t.x.length) return;
      if (steps[i] - t.x.length + 1 === 0) {
        trail.x.length = trail.y.length = 0;
        this.stale = true;
      }
      trail.x.push(...t.x);
      trail.y.push(...t.y);
      if (trail.x.length > TRAIL * 1.2) {
        const cut = trail.x.length - TRAIL;
        trail.x.splice(0, cut);
        trail.y.splice(0, cut);
        this.painted[i] = 0; // repaint from the kept points
        this.stale = true;
      }
    });
  }

  draw() {
    if (!this.drawn || !this.trails) return;
    if (this.stale) return this._paintAll();
    const ctx = this.trailCtx;
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    this.trails.forEach((t, i) => {
      const from = Math.max(this.painted[i] - 1, 0);
      if (t.x.length - 1 <= from) return;
      ctx.strokeStyle = racerColor(i);
      ctx.beginPath();
      ctx.moveTo(this._px(t.x[from]), this._py(t.y[from]));
      for (let j = from + 1; j < t.x.length; j++) ctx.lineTo(this._px(t.x[j]), this._py(t.y[j]));
      ctx.stroke();
      this.painted[i] = t.x.length;
    });
    this._paintHeads();
  }

  /** Lay the canvases over the plot area (after every Plotly draw and resize). */
  _place() {
    const full = this.el._fullLayout;
    if (!full) return;
    const xa = full.xaxis;
    const ya = full.yaxis;
    this.geom = { left: xa._offset, top: ya._offset, w: xa._length, h: ya._length, x: xa.range, y: ya.range };
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.trailCanvas, this.headCanvas]) {
      Object.assign(c.style, { left: `${xa._offset}px`, top: `${ya._offset}px`, width: `${xa._length}px`, height: `${ya._length}px` });
      c.width = Math.round(xa._length * dpr);
      c.height = Math.round(ya._length * dpr);
      c.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    this._paintAll();
  }

  _px(x) {
    const g = this.geom;
    return ((x - g.x[0]) / (g.x[1] - g.x[0])) * g.w;
  }

  _py(y) {
    const g = this.geom;
    return g.h - ((y - g.y[0]) / (g.y[1] - g.y[0])) * g.h;
  }

  _paintAll() {
    if (!this.geom || !this.trails) return;
    this.stale = false;
    this.trailCtx.clearRect(0, 0, this.geom.w, this.geom.h);
    this.painted = this.trails.map(() => 0);
    this.draw();
    this._paintHeads();
  }

  _paintHeads() {
    const ctx = this.headCtx;
    ctx.clearRect(0, 0, this.geom.w, this.geom.h);
    this.trails.forEach((t, i) => {
      const n = t.x.length - 1;
      ctx.beginPath();
      ctx.arc(this._px(t.x[n]), this._py(t.y[n]), 5.5, 0, 2 * Math.PI);
      ctx.fillStyle = racerColor(i);
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#fff";
      ctx.stroke();
    });
  }

  /** Plot coordinates of a mouse event inside the axes, or null outside them. */
  _toData(event) {
    const full = this.el._fullLayout;
    if (!full) return null;
    const box = this.el.getBoundingClientRect();
    const xa = full.xaxis;
    const ya = full.yaxis;
    const px = event.clientX - box.left - xa._offset;
    const py = event.clientY - box.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
    const x = xa.range[0] + (px / xa._length) * (xa.range[1] - xa.range[0]);
    const y = ya.range[1] - (py / ya._length) * (ya.range[1] - ya.range[0]);
    return [+x.toFixed(3), +y.toFixed(3)];
  }

  _bindDrag() {
    let dragging = false;
    const move = (event, final) => {
      const p = this._toData(event);
      if (!p) return;
      this.moveStart(p);
      this.onStart(p, final);
    };
    this.el.addEventListener("mousemove", (event) => {
      const p = this._toData(event);
      if (p && this.contourData && this.onHover) this.onHover(p, sample(this.contourData, p[0], p[1]));
    });
    this.el.addEventListener("mousedown", (event) => {
      if (event.button !== 0 || !this._toData(event)) return;
      dragging = true;
      event.preventDefault();
      move(event, false);
    }, true);
    window.addEventListener("mousemove", (event) => {
      if (dragging) move(event, false);
    });
    window.addEventListener("mouseup", (event) => {
      if (!dragging) return;
      dragging = false;
      move(event, true);
    });
  }
}
