// The page's colours, in one place: TensorFlow Playground's diverging orange-grey-blue for
// scores (class 0 / negative orange, class 1 / positive blue) and one colour per class for
// multi-class problems (confidence as lightness, from grey to the full colour).

export const ORANGE = [245, 147, 34];
export const GREY = [232, 234, 235];
export const BLUE = [8, 119, 189];
// Two classes: TFP's orange (class 0, TFP's -1) and blue (class 1). More: Okabe & Ito's
// colourblind-safe set, the same as the network diagram's output nodes (network.js).
export const BINARY_COLORS = [ORANGE, BLUE];
export const CLASS_COLORS = [
  [230, 159, 0],
  [0, 114, 178],
  [0, 158, 115],
  [204, 121, 167],
  [213, 94, 0],
  [86, 180, 233],
];
export const TRAIN_COLOR = "#37474f";
export const TEST_COLOR = "#c2185b";

export const css = ([r, g, b]) => `rgb(${r},${g},${b})`;
const mix = (a, b, t) => a.map((x, i) => Math.round(x + (b[i] - x) * t));

/** v in [-1, 1] to TFP's diverging colour. */
export function scoreColor(v) {
  const t = Math.max(-1, Math.min(1, v));
  return t < 0 ? mix(GREY, ORANGE, -t) : mix(GREY, BLUE, t);
}

/** The colour of class c in a problem with k classes. */
export function classColor(c, k = 2) {
  return k <= 2 ? BINARY_COLORS[c % 2] : CLASS_COLORS[c % CLASS_COLORS.length];
}

/** Plotly colorscale for scores in [-1, 1]. */
export const SCORE_SCALE = [
  [0, css(ORANGE)],
  [0.5, css(GREY)],
  [1, css(BLUE)],
];

/** Paint a grid of values (row 0 at the bottom) on a canvas, v / range in [-1, 1]. */
export function paintGrid(canvas, values, n, range = 1) {
  const ctx = canvas.getContext("2d");
  if (canvas.width !== n) canvas.width = canvas.height = n;
  const img = ctx.createImageData(n, n);
  const r = range > 0 ? range : 1;
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const [cr, cg, cb] = scoreColor(values[row * n + col] / r);
      const o = ((n - 1 - row) * n + col) * 4;
      img.data[o] = cr;
      img.data[o + 1] = cg;
      img.data[o + 2] = cb;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

export function maxAbs(values) {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}
