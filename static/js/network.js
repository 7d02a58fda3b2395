// The network diagram: TensorFlow Playground's centrepiece.
//
// Columns are the input features, each hidden layer and the output. Links (SVG paths) show
// every weight: width 1..10 px for |w| 0..5, orange for negative, blue for positive, opacity by
// magnitude. Each neuron is a <canvas> thumbnail of its output over the input plane, with its
// bias as a small square at its left. Draw once in setNetwork(); update() then only writes the
// attributes and pixels that changed, so it stays cheap at 30 frames a second.
//
//   const view = new NetworkView(div, {onEditWeight, onEditBias, onHoverNeuron, onLayout});
//   view.setNetwork(networkMsg);          // protocol `network`, plus featureGridsDecoded, thumbN
//   view.update(frame, neuronGrids);      // protocol `frame`; neuronGrids: Float32Array per layer
//   view.setRunning(true);                // animated dashes while training
//   view.columnX(i);                      // centre x (px, in the container) of column i
//
// Layer indices: `layer` in weights, biases and the edit callbacks counts Dense layers as the
// protocol does (0 = first hidden, last = output). onHoverNeuron gets the hidden-layer index.

const SVG_NS = "http://www.w3.org/2000/svg";

// TensorFlow Playground's diverging scale: orange (-1), light grey (0), blue (+1).
const NEGATIVE = [245, 147, 34];
const NEUTRAL = [232, 234, 235];
const POSITIVE = [8, 119, 189];

/** Six classes, colourblind-safe (Okabe & Ito), in the order classes 0..5 get them. */
export const CLASS_COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9"];

/** v in [-1, 1] (clipped; NaN is neutral) to [r, g, b] on the diverging scale. */
export function divergingColor(v) {
  if (!(v === v)) v = 0;
  const t = Math.min(Math.abs(v), 1);
  const end = v < 0 ? NEGATIVE : POSITIVE;
  return NEUTRAL.map((c, i) => Math.round(c + (end[i] - c) * t));
}

// 256-entry lookup tables over [-1, 1]: packed RGBA for ImageData, CSS strings for styles.
const LUT_SIZE = 256;
const LUT_RGBA = new Uint32Array(LUT_SIZE);
const LUT_CSS = new Array(LUT_SIZE);
for (let k = 0; k < LUT_SIZE; k++) {
  const [r, g, b] = divergingColor((k / (LUT_SIZE - 1)) * 2 - 1);
  LUT_RGBA[k] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0; // little-endian ImageData
  LUT_CSS[k] = `rgb(${r},${g},${b})`;
}
const LUT_MID = 128;

function lutIndex(v) {
  if (!(v === v)) return LUT_MID;
  if (v > 1) v = 1;
  else if (v < -1) v = -1;
  return ((v + 1) * 127.5 + 0.5) | 0;
}

const MAX_ABS_WEIGHT = 5; // links reach full width here
const MIN_LINK_WIDTH = 1;
const MAX_LINK_WIDTH = 10;
const WIDTH_STEPS = 8; // width quantised to 1/8 of a |w| unit: no DOM write for smaller changes
const OPACITY_STEPS = 32;

function fmt(v) {
  return v === null || v === undefined || !Number.isFinite(v) ? "not a number" : v.toFixed(3);
}

function el(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.append(node);
  return node;
}

function svgEl(tag, attrs, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function maxLinks(sizes) {
  return Math.max(1, ...sizes.slice(1).map((n, l) => n * sizes[l]));
}

/**
 * Column positions and node size for `sizes` in a container `width` px wide. `left` and `right`
 * are the widths of the longest input and output labels, which sit beside the end columns.
 */
export function computeLayout(sizes, width, { left = 48, right = 48 } = {}) {
  const nCols = sizes.length;
  const maxCount = Math.max(...sizes);
  const header = 28; // the "N neurons" labels (two lines when columns are narrow)
  const padLeft = left + 36; // label, its gap and half the widest node
  const padRight = right + 36;
  const usable = Math.max(0, width - padLeft - padRight);
  // Columns spread over the width, but no further apart than 260 px (then centred).
  const spacing = Math.max(24, Math.min(260, usable / Math.max(1, nCols - 1)));
  const x0 = padLeft + (usable - spacing * (nCols - 1)) / 2;
  // Node size: at most 40 px, at most ~40% of the column spacing, and columns of many neurons
  // shrink to keep the diagram about 520 px tall (down to 12 px beyond ~16 neurons).
  const byHeight = 520 / (maxCount * 1.3);
  const size = Math.round(Math.max(12, Math.min(40, spacing * 0.42, byHeight)));
  const gap = Math.max(4, Math.round(size * 0.3));
  const colHeight = (n) => n * size + (n - 1) * gap;
  const body = colHeight(maxCount);
  const cols = sizes.map((count, c) => {
    const top = header + 8 + (body - colHeight(count)) / 2;
    const ys = Array.from({ length: count }, (_, j) => top + j * (size + gap) + size / 2);
    return { x: x0 + c * spacing, count, ys };
  });
  return {
    cols,
    size,
    gap,
    bias: Math.max(4, Math.round(size * 0.2)),
    // TFP's 10 px links would bury 12 px nodes: dense diagrams get proportionally thinner ones.
    maxLinkWidth: Math.min(MAX_LINK_WIDTH, Math.max(3, size * 0.3)),
    // ... and fainter ones once a layer has hundreds of links, so they don't fuse into a wall.
    linkAlpha: Math.min(1, 14 / Math.sqrt(maxLinks(sizes))),
    header,
    narrow: spacing < 72,
    width,
    height: header + 8 + body + 12,
  };
}

export class NetworkView {
  constructor(container, { onEditWeight, onEditBias, onHoverNeuron, onLayout } = {}) {
    this.container = container;
    this.callbacks = { onEditWeight, onEditBias, onHoverNeuron, onLayout };
    this.root = el("div", "nnv", container);
    this.net = null; // {sizes, labels, outputs, featureGrids, thumbN}
    this.layout = null;
    this.frame = null;
    this.grids = null;
    this.tip = null; // what the tooltip shows: {kind: "link", k} or {kind: "node", c, j}
    this.editor = null;
    this._relayoutPending = false;
    this._resize = new ResizeObserver(() => this._scheduleRelayout());
    this._resize.observe(container);
  }

  // ----- public API -----

  /** Lays out the columns for a protocol `network` message. */
  setNetwork(msg) {
    const sizes = msg.sizes.slice();
    const nFeatures = sizes[0];
    const names = msg.features ?? Array.from({ length: nFeatures }, (_, i) => `x${i + 1}`);
    const labels = names.map((name) => msg.feature_labels?.[name] ?? name);
    let featureGrids = msg.featureGridsDecoded;
    if (!featureGrids && msg.feature_grids?.every((g) => g instanceof Float32Array)) {
      featureGrids = msg.feature_grids;
    }
    const thumbN =
      msg.thumbN ??
      (featureGrids?.[0] ? Math.round(Math.sqrt(featureGrids[0].length)) : 0);
    const nOut = sizes[sizes.length - 1];
    this.net = {
      sizes,
      labels,
      featureGrids: featureGrids ?? null,
      thumbN,
      multiClass: nOut > 1,
    };
    this.frame = null;
    this.grids = null;
    this._build();
  }

  /** Draws one frame in place: links, bias squares and neuron thumbnails. */
  update(frame, neuronGrids) {
    if (!this.net || !frame) return;
    const { sizes } = this.net;
    const W = frame.weights;
    if (W && this._shapeMatches(W)) {
      this.frame = frame;
      this._drawLinks(W);
    }
    if (frame.biases && frame.biases.length === sizes.length - 1) this._drawBiases(frame.biases);
    if (neuronGrids) {
      this.grids = neuronGrids;
      this._drawNeurons(neuronGrids);
    }
    this._refreshLive();
  }

  /** Toggles the flowing dashes (the page calls this on play/pause). */
  setRunning(running) {
    this.root.classList.toggle("running", Boolean(running));
  }

  /** Forgets the frame (neutral links, blank thumbnails); the layout stays. */
  reset() {
    this._closeEditor(false);
    this._hideTip();
    this.frame = null;
    this.grids = null;
    if (this.net) this._build();
  }

  /** Centre x of column i (0 = inputs, 1..H hidden layers, H + 1 output), px in the container. */
  columnX(i) {
    return this.layout ? this.layout.cols[i].x : NaN;
  }

  get columnCount() {
    return this.layout ? this.layout.cols.length : 0;
  }

  destroy() {
    this._resize.disconnect();
    this.root.remove();
  }

  // ----- building -----

  _build() {
    this._closeEditor(false);
    this._hideTip();
    this._unhoverNeuron();
    const { sizes } = this.net;
    const width = Math.max(240, this.container.clientWidth || 600);
    const L = (this.layout = computeLayout(sizes, width, this._labelWidths()));
    const root = this.root;
    root.replaceChildren();
    root.style.height = `${L.height}px`;
    root.style.setProperty("--nnv-node", `${L.size}px`);
    root.style.setProperty("--nnv-bias", `${L.bias}px`);
    root.classList.toggle("small", L.size < 20);
    root.classList.toggle("narrow", L.narrow);

    this._buildHeaders();
    this._buildLinks();
    this._buildNodes();
    this.tipEl = el("div", "nnv-tooltip", root);
    this.tipEl.setAttribute("aria-hidden", "true");
    this._paintFeatures();
    if (this.frame) this.update(this.frame, this.grids);
    this.callbacks.onLayout?.();
  }

  _labelWidths() {
    const { labels, multiClass, sizes } = this.net;
    const ctx = (this._measure ??= document.createElement("canvas").getContext("2d"));
    const family = getComputedStyle(this.root).fontFamily || "sans-serif";
    ctx.font = `13px ${family}`;
    const widest = (texts) => Math.max(0, ...texts.map((t) => ctx.measureText(t).width));
    const nOut = sizes[sizes.length - 1];
    const outputs = multiClass ? Array.from({ length: nOut }, (_, j) => `class ${j}`) : ["output"];
    return { left: Math.ceil(widest(labels)), right: Math.ceil(widest(outputs)) + 4 };
  }

  _buildHeaders() {
    const { sizes } = this.net;
    const header = el("div", "nnv-headers", this.root);
    header.setAttribute("aria-hidden", "true");
    this.layout.cols.forEach((col, c) => {
      const span = el("span", "nnv-header", header);
      span.style.left = `${col.x}px`;
      if (c === 0) span.textContent = "Inputs";
      else if (c === sizes.length - 1) span.textContent = "Output";
      else span.textContent = plural(col.count, "neuron").replace(" ", this.layout.narrow ? "\n" : " ");
    });
  }

  _buildLinks() {
    const { sizes } = this.net;
    const L = this.layout;
    const half = L.size / 2;
    const hidden = sizes.slice(1, -1);
    const svgAttrs = { width: L.width, height: L.height, viewBox: `0 0 ${L.width} ${L.height}` };
    const visual = svgEl("svg", { ...svgAttrs, class: "nnv-links", role: "img" }, this.root);
    const nOut = sizes[sizes.length - 1];
    visual.setAttribute(
      "aria-label",
      `Network: ${plural(sizes[0], "input")}, ` +
        (hidden.length ? `hidden layers ${hidden.join(", ")}` : "no hidden layers") +
        `, ${plural(nOut, "output")}`,
    );
    const hits = svgEl("svg", { ...svgAttrs, class: "nnv-hits", role: "group" }, this.root);
    hits.setAttribute("aria-label", "Weights: arrow keys move between links, Enter edits");

    const total = sizes.slice(0, -1).reduce((s, n, l) => s + n * sizes[l + 1], 0);
    this.linkLayer = new Int16Array(total);
    this.linkSource = new Int16Array(total);
    this.linkTarget = new Int16Array(total);
    this.linkOffset = [];
    this.linkKey = new Int32Array(total).fill(-1);
    this.linkValue = new Float64Array(total).fill(NaN);
    this.linkMid = new Float32Array(total * 2);
    this.links = new Array(total);
    this.hits = new Array(total);
    const visualGroup = svgEl("g", {}, visual);
    const hitGroup = svgEl("g", {}, hits);
    let k = 0;
    for (let l = 0; l < sizes.length - 1; l++) {
      this.linkOffset.push(k);
      const a = L.cols[l];
      const b = L.cols[l + 1];
      const x0 = a.x + half;
      const x1 = b.x - half;
      const xm = (x0 + x1) / 2;
      for (let i = 0; i < a.count; i++) {
        for (let j = 0; j < b.count; j++, k++) {
          const y0 = a.ys[i];
          const y1 = b.ys[j];
          const d = `M${x0},${y0}C${xm},${y0} ${xm},${y1} ${x1},${y1}`;
          this.links[k] = svgEl("path", { d, class: "nnv-link" }, visualGroup);
          const hit = svgEl("path", { d, class: "nnv-hit", tabindex: k === 0 ? 0 : -1 }, hitGroup);
          hit.dataset.k = k;
          this.hits[k] = hit;
          this.linkLayer[k] = l;
          this.linkSource[k] = i;
          this.linkTarget[k] = j;
          this.linkMid[2 * k] = xm;
          this.linkMid[2 * k + 1] = (y0 + y1) / 2;
        }
      }
    }
    this.linkCursor = 0; // the one link in the tab order (roving tabindex)
    this._labelLink(0);
    hits.addEventListener("pointerover", (e) => this._onLinkOver(e));
    hits.addEventListener("pointermove", (e) => this._onPointerMove(e));
    hits.addEventListener("pointerout", (e) => this._onLinkOut(e));
    hits.addEventListener("click", (e) => this._onLinkClick(e));
    hits.addEventListener("keydown", (e) => this._onLinkKey(e));
    hits.addEventListener("focusin", (e) => this._onLinkFocus(e));
    hits.addEventListener("focusout", () => this._hideTip());
  }

  _buildNodes() {
    const { sizes, multiClass, labels } = this.net;
    const L = this.layout;
    const group = el("div", "nnv-nodes", this.root);
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Neurons: arrow keys move, Enter edits a bias");
    this.nodes = []; // nodes[c][j] = {el, canvas, bias, biasValue, biasKey}
    const last = sizes.length - 1;
    L.cols.forEach((col, c) => {
      const column = [];
      for (let j = 0; j < col.count; j++) {
        const node = el("div", "nnv-node", group);
        node.dataset.c = c;
        node.dataset.j = j;
        node.tabIndex = c === 0 && j === 0 ? 0 : -1;
        node.setAttribute("role", c === 0 ? "img" : "button");
        node.style.left = `${col.x - L.size / 2}px`;
        node.style.top = `${col.ys[j] - L.size / 2}px`;
        const canvas = el("canvas", "nnv-thumb", node);
        const entry = { el: node, canvas, bias: null, biasValue: NaN, biasKey: -1, painted: false };
        if (c === 0) {
          node.classList.add("input");
          el("span", "nnv-label in", node).textContent = labels[j];
        } else {
          entry.bias = el("div", "nnv-bias", node);
          entry.bias.title = "";
          if (c === last) {
            node.classList.add("output");
            const label = el("span", "nnv-label out", node);
            if (multiClass) {
              node.style.setProperty("--nnv-class", CLASS_COLORS[j % CLASS_COLORS.length]);
              node.classList.add("class");
              label.textContent = `class ${j}`;
              el("span", "nnv-glyph", node).textContent = String(j);
            } else {
              label.textContent = "output";
              el("span", "nnv-glyph", node).textContent = "ŷ";
            }
          }
        }
        column.push(entry);
      }
      this.nodes.push(column);
    });
    this.nodeCursor = [0, 0];
    this.nodes.forEach((column, c) => column.forEach((_, j) => this._labelNode(c, j)));
    group.addEventListener("pointerover", (e) => this._onNodeOver(e));
    group.addEventListener("pointermove", (e) => this._onPointerMove(e));
    group.addEventListener("pointerout", (e) => this._onNodeOut(e));
    group.addEventListener("click", (e) => this._onNodeClick(e));
    group.addEventListener("keydown", (e) => this._onNodeKey(e));
    group.addEventListener("focusin", (e) => this._onNodeFocus(e));
    group.addEventListener("focusout", (e) => this._onNodeBlur(e));
  }

  // ----- drawing -----

  _shapeMatches(W) {
    const { sizes } = this.net;
    if (W.length !== sizes.length - 1) return false;
    for (let l = 0; l < W.length; l++) {
      if (W[l].length !== sizes[l] || W[l][0]?.length !== sizes[l + 1]) return false;
    }
    return true;
  }

  _drawLinks(W) {
    const links = this.links;
    const keys = this.linkKey;
    const values = this.linkValue;
    let k = 0;
    for (let l = 0; l < W.length; l++) {
      const rows = W[l];
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        for (let j = 0; j < row.length; j++, k++) {
          const w = row[j];
          values[k] = w === null ? NaN : w;
          this._styleLink(links[k], k, keys, w);
        }
      }
    }
  }

  _styleLink(path, k, keys, w) {
    let key;
    let a = 0;
    if (w === null || !Number.isFinite(w)) {
      key = 1 << 20;
    } else {
      a = Math.min(Math.abs(w), MAX_ABS_WEIGHT);
      const q = Math.round(a * WIDTH_STEPS);
      const o = Math.round(Math.min(a, 1) * OPACITY_STEPS);
      key = (w < 0 ? 1 << 16 : 0) | (q << 6) | o;
    }
    if (key === keys[k]) return;
    keys[k] = key;
    if (key === 1 << 20) {
      path.setAttribute("class", "nnv-link nan");
      path.setAttribute("stroke-width", MIN_LINK_WIDTH);
      return;
    }
    const q = (key >> 6) & 1023;
    const span = this.layout.maxLinkWidth - MIN_LINK_WIDTH;
    const width = MIN_LINK_WIDTH + (span * q) / (WIDTH_STEPS * MAX_ABS_WEIGHT);
    path.setAttribute("class", w < 0 ? "nnv-link neg" : "nnv-link pos");
    path.setAttribute("stroke-width", width.toFixed(3));
    const opacity = this.layout.linkAlpha * (0.25 + (0.75 * (key & 63)) / OPACITY_STEPS);
    path.setAttribute("stroke-opacity", opacity.toFixed(3));
  }

  _drawBiases(B) {
    for (let l = 0; l < B.length; l++) {
      const column = this.nodes[l + 1];
      const row = B[l];
      if (!row || row.length !== column.length) continue;
      for (let j = 0; j < row.length; j++) this._styleBias(column[j], row[j]);
    }
  }

  _styleBias(node, b) {
    node.biasValue = b === null ? NaN : b;
    const key = lutIndex(node.biasValue);
    if (key === node.biasKey) return;
    node.biasKey = key;
    node.bias.style.backgroundColor = LUT_CSS[key];
  }

  _drawNeurons(grids) {
    const { sizes } = this.net;
    const last = sizes.length - 1;
    for (let h = 0; h < grids.length && h + 1 <= last; h++) {
      const data = grids[h];
      const width = sizes[h + 1];
      if (!data) continue;
      const n = grids.thumbN ?? this.net.thumbN ?? Math.round(Math.sqrt(data.length / width));
      if (data.length < width * n * n) continue;
      const column = this.nodes[h + 1];
      for (let j = 0; j < width; j++) this._paint(column[j], data, j * n * n, n, 1);
    }
  }

  _paintFeatures() {
    const grids = this.net.featureGrids;
    if (!grids) return;
    this.nodes[0].forEach((node, j) => {
      const g = grids[j];
      if (!g) return;
      const n = this.net.thumbN || Math.round(Math.sqrt(g.length));
      let max = 0;
      for (let p = 0; p < n * n; p++) max = Math.max(max, Math.abs(g[p]));
      this._paint(node, g, 0, n, max > 0 ? 1 / max : 1); // each feature over its own range
    });
  }

  /** Writes n*n values (row-major from the bottom) into the node's canvas, +y up. */
  _paint(node, data, offset, n, gain) {
    const canvas = node.canvas;
    if (canvas.width !== n || canvas.height !== n) {
      canvas.width = n;
      canvas.height = n;
    }
    if (!this._image || this._image.width !== n) {
      this._image = new ImageData(n, n);
      this._pixels = new Uint32Array(this._image.data.buffer);
    }
    const px = this._pixels;
    for (let r = 0; r < n; r++) {
      const src = offset + r * n;
      const dst = (n - 1 - r) * n;
      for (let c = 0; c < n; c++) px[dst + c] = LUT_RGBA[lutIndex(data[src + c] * gain)];
    }
    if (!node.ctx) node.ctx = canvas.getContext("2d");
    node.ctx.putImageData(this._image, 0, 0);
    if (!node.painted) {
      node.painted = true;
      node.el.classList.add("painted");
    }
  }

  // ----- text: tooltips and labels -----

  _linkText(k) {
    const l = this.linkLayer[k];
    const i = this.linkSource[k];
    const j = this.linkTarget[k];
    return `Weight w(layer ${l}, ${i} → ${j}) = ${fmt(this.linkValue[k])}`;
  }

  _linkDetail(k) {
    const l = this.linkLayer[k];
    return `${this._nodeName(l, this.linkSource[k])} → ${this._nodeName(l + 1, this.linkTarget[k])}`;
  }

  _nodeName(c, j) {
    const last = this.net.sizes.length - 1;
    if (c === 0) return `input ${this.net.labels[j]}`;
    if (c === last) return this.net.multiClass ? `output (class ${j})` : "output";
    return `neuron ${j + 1} of hidden layer ${c}`;
  }

  _nodeText(c, j) {
    const name = this._nodeName(c, j);
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    if (c === 0) return `${title}: its value over the plane`;
    return `${title}\nBias b(layer ${c - 1}, ${j}) = ${fmt(this.nodes[c][j].biasValue)}`;
  }

  _labelLink(k) {
    this.hits[k]?.setAttribute("aria-label", `${this._linkText(k)}, ${this._linkDetail(k)}`);
  }

  _labelNode(c, j) {
    const text = this._nodeText(c, j).replace("\n", ". ");
    this.nodes[c][j].el.setAttribute("aria-label", c === 0 ? text : `${text}. Enter edits the bias`);
  }

  /** Keeps the tooltip and the focusable items' labels current while values stream. */
  _refreshLive() {
    if (this.tip) this._setTipText();
    this._labelLink(this.linkCursor);
    const [c, j] = this.nodeCursor;
    this._labelNode(c, j);
  }

  _setTipText() {
    const t = this.tip;
    if (t.kind === "link") {
      this.tipEl.textContent = `${this._linkText(t.k)}\n${this._linkDetail(t.k)}`;
    } else {
      this.tipEl.textContent = this._nodeText(t.c, t.j);
    }
  }

  _showTip(tip, x, y) {
    this.tip = tip;
    this._setTipText();
    this.tipEl.classList.add("visible");
    this._moveTip(x, y);
  }

  _moveTip(x, y) {
    const tip = this.tipEl;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const maxX = this.root.clientWidth - w - 4;
    let left = Math.min(Math.max(4, x + 14), maxX);
    let top = y + 16;
    if (top + h > this.root.clientHeight) top = y - h - 10;
    tip.style.transform = `translate(${left}px, ${Math.max(0, top)}px)`;
  }

  _hideTip() {
    this.tip = null;
    this.tipEl?.classList.remove("visible");
  }

  _local(e) {
    const r = this.root.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  // ----- links: pointer and keyboard -----

  _linkIndex(e) {
    const k = e.target?.dataset?.k;
    return k === undefined ? -1 : Number(k);
  }

  _onLinkOver(e) {
    const k = this._linkIndex(e);
    if (k < 0) return;
    this._showTip({ kind: "link", k }, ...this._local(e));
  }

  _onPointerMove(e) {
    if (this.tip) this._moveTip(...this._local(e));
  }

  _onLinkOut(e) {
    if (this._linkIndex(e) >= 0) this._hideTip();
  }

  _onLinkClick(e) {
    const k = this._linkIndex(e);
    if (k >= 0) this._editLink(k, ...this._local(e));
  }

  _onLinkFocus(e) {
    const k = this._linkIndex(e);
    if (k < 0) return;
    this._setLinkCursor(k);
    if (this.hits[k].matches(":focus-visible")) {
      this._showTip({ kind: "link", k }, this.linkMid[2 * k], this.linkMid[2 * k + 1]);
    }
  }

  _setLinkCursor(k) {
    if (k === this.linkCursor) return;
    this.hits[this.linkCursor].setAttribute("tabindex", "-1");
    this.hits[k].setAttribute("tabindex", "0");
    this.linkCursor = k;
  }

  _onLinkKey(e) {
    const k = this._linkIndex(e);
    if (k < 0) return;
    const total = this.links.length;
    const l = this.linkLayer[k];
    let next = -1;
    if (e.key === "ArrowDown") next = Math.min(k + 1, total - 1);
    else if (e.key === "ArrowUp") next = Math.max(k - 1, 0);
    else if (e.key === "ArrowRight") next = this.linkOffset[l + 1] ?? k;
    else if (e.key === "ArrowLeft") next = l > 0 ? this.linkOffset[l - 1] : 0;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = total - 1;
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this._editLink(k, this.linkMid[2 * k], this.linkMid[2 * k + 1]);
      return;
    } else return;
    e.preventDefault();
    this._setLinkCursor(next);
    this._labelLink(next);
    this.hits[next].focus();
  }

  _editLink(k, x, y) {
    const l = this.linkLayer[k];
    const i = this.linkSource[k];
    const j = this.linkTarget[k];
    this._openEditor({
      x,
      y,
      value: this.linkValue[k],
      label: `New weight w(layer ${l}, ${i} → ${j})`,
      returnFocus: this.hits[k],
      apply: (v) => {
        this.linkValue[k] = v; // shown at once; the next frame carries the server's value
        this._styleLink(this.links[k], k, this.linkKey, v);
        this.callbacks.onEditWeight?.(l, i, j, v);
      },
    });
  }

  // ----- neurons: pointer and keyboard -----

  _nodeAt(target) {
    const node = target?.closest?.(".nnv-node");
    return node ? [Number(node.dataset.c), Number(node.dataset.j), node] : null;
  }

  _hoverNeuron(c, j) {
    const hidden = c > 0 && c < this.net.sizes.length - 1;
    if (hidden) this.callbacks.onHoverNeuron?.(c - 1, j);
    this._hovered = hidden;
  }

  _unhoverNeuron() {
    if (this._hovered) this.callbacks.onHoverNeuron?.(null, null);
    this._hovered = false;
  }

  _onNodeOver(e) {
    const at = this._nodeAt(e.target);
    if (!at) return;
    const [c, j, node] = at;
    if (e.relatedTarget && node.contains(e.relatedTarget)) return;
    this._showTip({ kind: "node", c, j }, ...this._local(e));
    this._hoverNeuron(c, j);
  }

  _onNodeOut(e) {
    const at = this._nodeAt(e.target);
    if (!at || (e.relatedTarget && at[2].contains(e.relatedTarget))) return;
    this._hideTip();
    this._unhoverNeuron();
  }

  _onNodeClick(e) {
    const at = this._nodeAt(e.target);
    if (!at || !e.target.classList.contains("nnv-bias")) return;
    this._editBias(at[0], at[1], ...this._local(e));
  }

  _onNodeFocus(e) {
    const at = this._nodeAt(e.target);
    if (!at) return;
    const [c, j, node] = at;
    this._setNodeCursor(c, j);
    this._hoverNeuron(c, j);
    if (node.matches(":focus-visible")) {
      const { x } = this.layout.cols[c];
      const y = this.layout.cols[c].ys[j];
      this._showTip({ kind: "node", c, j }, x + this.layout.size / 2, y);
    }
  }

  _onNodeBlur(e) {
    if (e.relatedTarget && this.root.contains(e.relatedTarget) && this.editor) return;
    this._hideTip();
    this._unhoverNeuron();
  }

  _setNodeCursor(c, j) {
    const [pc, pj] = this.nodeCursor;
    if (pc === c && pj === j) return;
    this.nodes[pc][pj].el.tabIndex = -1;
    this.nodes[c][j].el.tabIndex = 0;
    this.nodeCursor = [c, j];
  }

  _onNodeKey(e) {
    const at = this._nodeAt(e.target);
    if (!at || e.target !== at[2]) return;
    let [c, j] = at;
    const nCols = this.nodes.length;
    const move = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (move[e.key]) {
      e.preventDefault();
      const [dc, dj] = move[e.key];
      const nc = Math.min(Math.max(c + dc, 0), nCols - 1);
      const count = this.nodes[nc].length;
      // Across columns keep the relative height, so Left/Right feel like moving sideways.
      const nj = dc ? Math.round(((j + 0.5) / this.nodes[c].length) * count - 0.5) : j + dj;
      [c, j] = [nc, Math.min(Math.max(nj, 0), count - 1)];
      this._setNodeCursor(c, j);
      this._labelNode(c, j);
      this.nodes[c][j].el.focus();
    } else if ((e.key === "Enter" || e.key === " ") && c > 0) {
      e.preventDefault();
      const col = this.layout.cols[c];
      this._editBias(c, j, col.x - this.layout.size / 2, col.ys[j] + this.layout.size / 2);
    }
  }

  _editBias(c, j, x, y) {
    const entry = this.nodes[c][j];
    this._openEditor({
      x,
      y,
      value: entry.biasValue,
      label: `New bias b(layer ${c - 1}, ${j})`,
      returnFocus: entry.el,
      apply: (v) => {
        this._styleBias(entry, v);
        this.callbacks.onEditBias?.(c - 1, j, v);
      },
    });
  }

  // ----- the inline number editor -----

  _openEditor({ x, y, value, label, returnFocus, apply }) {
    this._closeEditor(false);
    this._hideTip();
    const input = el("input", "nnv-editor", this.root);
    input.type = "number";
    input.step = "0.1";
    input.setAttribute("aria-label", label);
    input.value = Number.isFinite(value) ? value.toFixed(3) : "0";
    const w = 96;
    input.style.left = `${Math.min(Math.max(2, x - w / 2), this.layout.width - w - 2)}px`;
    input.style.top = `${Math.min(y + 8, this.layout.height - 30)}px`;
    this.editor = { input, apply, returnFocus };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") {
        const v = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(v)) {
          input.classList.add("invalid");
          return;
        }
        this._closeEditor(true, v);
      } else if (e.key === "Escape") {
        this._closeEditor(true);
      }
    });
    input.addEventListener("blur", () => this._closeEditor(false));
    for (const type of ["pointerover", "click"]) input.addEventListener(type, (e) => e.stopPropagation());
    input.focus();
    input.select();
  }

  /** Closes the editor; applies `value` when given; refocuses the edited item when asked. */
  _closeEditor(refocus, value) {
    const ed = this.editor;
    if (!ed) return;
    this.editor = null;
    ed.input.remove();
    if (value !== undefined) ed.apply(value);
    if (refocus && ed.returnFocus?.isConnected) ed.returnFocus.focus({ preventScroll: true });
    else this._unhoverNeuron();
  }

  // ----- resizing -----

  _scheduleRelayout() {
    if (this._relayoutPending || !this.net) return;
    this._relayoutPending = true;
    requestAnimationFrame(() => {
      this._relayoutPending = false;
      const width = Math.max(240, this.container.clientWidth || 600);
      if (this.layout && Math.abs(width - this.layout.width) < 1) return;
      this._build();
    });
  }
}
