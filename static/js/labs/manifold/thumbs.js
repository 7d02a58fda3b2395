// Small multiples: every space of the network side by side, drawn on canvases (cheap enough
// for every frame), each a radio button that picks the space of the large view. Spaces of 3
// shown axes are drawn from a fixed oblique angle; the large view rotates.

import { classColor, css, scoreColor } from "../../colors.js";
import { spread } from "./space-plot.js";

const SIZE = 124; // CSS pixels
const MESH = ["rgba(24, 61, 78, 0.45)", "rgba(120, 94, 60, 0.4)"];
const AZ = (38 * Math.PI) / 180;
const EL = (24 * Math.PI) / 180;

/** "hidden layer 1 (3 units)" -> "layer 1 · 3 units". */
export function shortName(caption, i, count) {
  if (i === 0) return "input plane";
  if (i === count - 1) return "output";
  const m = /hidden layer (\d+) \((\d+) units?\)/.exec(caption);
  return m ? `layer ${m[1]} · ${m[2]} unit${m[2] === "1" ? "" : "s"}` : caption;
}

export class Thumbs {
  constructor(el, onPick) {
    this.el = el;
    this.onPick = onPick;
    this.items = [];
    this.key = "";
    this.selected = 0;
  }

  /** (Re)build the buttons when the spaces change (a new network). */
  setSpaces(info) {
    const key = info.map((s) => s.caption).join("|");
    if (key === this.key) return;
    this.key = key;
    const dpr = window.devicePixelRatio || 1;
    this.items = info.map((s, i) => {
      const name = shortName(s.caption, i, info.length);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      button.setAttribute("role", "radio");
      button.setAttribute("aria-label", `Show ${s.caption}`);
      button.title = `${s.caption}: click to show it large`;
      button.dataset.space = String(i);
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = Math.round(SIZE * dpr);
      const caption = document.createElement("span");
      caption.className = "thumb-name";
      caption.textContent = name;
      const badge = document.createElement("span");
      badge.className = "thumb-probe";
      button.append(canvas, caption, badge);
      button.addEventListener("click", () => this.onPick(i));
      button.addEventListener("keydown", (e) => {
        const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
        if (!step) return;
        e.preventDefault();
        const next = (i + step + info.length) % info.length;
        this.onPick(next);
        this.items[next].button.focus();
      });
      return { button, canvas, badge, ctx: canvas.getContext("2d"), dpr };
    });
    this.el.replaceChildren(...this.items.map((it) => it.button));
    this.select(Math.min(this.selected, info.length - 1));
  }

  select(i) {
    this.selected = i;
    this.items.forEach((it, k) => {
      it.button.setAttribute("aria-checked", String(k === i));
      it.button.tabIndex = k === i ? 0 : -1;
    });
  }

  /** Draw every space of a decoded frame, with its probe badge. */
  draw(frame) {
    this.setSpaces(frame.info);
    this.items.forEach((it, i) => {
      const info = frame.info[i];
      const probe = info.probe;
      it.badge.textContent = probe === null || probe === undefined ? "" : `${(probe * 100).toFixed(probe === 1 ? 0 : 1)}%`;
      it.badge.title = "Linear probe: how many training points the best flat cut classifies right in this space";
      it.button.classList.toggle("separable", frame.separableAt === i);
      it.button.classList.toggle("reached", frame.separableAt !== null && i >= frame.separableAt && probe >= frame.separable);
      this._paint(it, frame.space(i), frame);
    });
  }

  _paint(it, space, frame) {
    const { ctx, dpr } = it;
    const px = SIZE * dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, px, px);
    ctx.fillStyle = "#fbfcfd";
    ctx.fillRect(0, 0, px, px);
    const project = projector(space.range, px);
    if (space.mesh) {
      ctx.lineWidth = dpr;
      const cut = frame.half * (frame.samples + 1);
      for (const part of [0, 1]) {
        ctx.strokeStyle = MESH[part];
        ctx.beginPath();
        const [from, to] = part === 0 ? [0, cut] : [cut, space.mesh[0].length];
        let pen = false;
        for (let i = from; i < to; i++) {
          const p = project(space.mesh, i);
          if (!p) {
            pen = false;
            continue;
          }
          if (pen) ctx.lineTo(p[0], p[1]);
          else ctx.moveTo(p[0], p[1]);
          pen = true;
        }
        ctx.stroke();
      }
    }
    const r = 1.7 * dpr;
    for (let i = 0; i < frame.count; i++) {
      const p = project(space.points, i, spread(i));
      if (!p) continue;
      const label = frame.labels[i];
      ctx.fillStyle = frame.labelKind === "class" ? css(classColor(label, frame.nClasses)) : css(scoreColor(label));
      ctx.beginPath();
      ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

/** (axes, i) -> canvas [x, y] (or null for a gap): 1 axis on a line (spread vertically), 2 as
 *  they are, 3 turned to a fixed oblique view. Each axis is scaled to its range. */
function projector(range, px) {
  const m = px * 0.06;
  const span = px - 2 * m;
  const unit = range.map(([lo, hi]) => [lo, hi - lo || 1]);
  const norm = (axes, a, i) => ((axes[a][i] - unit[a][0]) / unit[a][1]) * 2 - 1; // -> [-1, 1]
  const toPx = (u, v) => [m + ((u + 1) / 2) * span, m + ((1 - v) / 2) * span];
  if (range.length === 1) {
    return (axes, i, y) => {
      const u = norm(axes, 0, i);
      return Number.isNaN(u) ? null : toPx(u, y * 0.8);
    };
  }
  if (range.length === 2) {
    return (axes, i) => {
      const u = norm(axes, 0, i);
      return Number.isNaN(u) ? null : toPx(u, norm(axes, 1, i));
    };
  }
  const [ca, sa, ce, se] = [Math.cos(AZ), Math.sin(AZ), Math.cos(EL), Math.sin(EL)];
  const fit = 1 / 1.62; // the turned cube's half-diagonal
  return (axes, i) => {
    const x = norm(axes, 0, i);
    if (Number.isNaN(x)) return null;
    const y = norm(axes, 1, i);
    const z = norm(axes, 2, i);
    const u = x * ca - y * sa;
    const v = z * ce + (x * sa + y * ca) * se;
    return toPx(u * fit, v * fit);
  };
}
