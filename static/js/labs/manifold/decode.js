// Decoding the "manifold" view of a frame (app/labs/manifold.py; docs/labs/manifold.md).
//
// Coordinates come as 12-bit levels per axis of a space's range [lo, hi]: v = lo + q / levels *
// (hi - lo). Mesh lines are second differences along each line, zigzag-coded; points are the
// levels themselves. Both are uint16 split into a low and a high byte plane, deflated.
//
// A decoded space holds one Float32Array per shown axis: mesh lines one after the other with
// a NaN between two lines (Plotly draws NaN as a gap), and the points in the training order.

import { decodeBytes } from "../../codec.js";

function planes(b64, count) {
  const bytes = decodeBytes(b64, 2 * count);
  if (bytes.length !== 2 * count) throw new Error(`manifold: expected ${2 * count} bytes, got ${bytes.length}`);
  return bytes;
}

/** Mesh lines (L lines of S samples, d axes) -> d arrays of L * (S + 1) values, NaN-separated. */
export function decodeLines(b64, lines, samples, range, levels) {
  const d = range.length;
  const bytes = planes(b64, d * lines * samples);
  const n = d * lines * samples;
  const out = [];
  for (let a = 0; a < d; a++) {
    const [lo, hi] = range[a];
    const step = (hi - lo) / levels;
    const axis = new Float32Array(lines * (samples + 1));
    for (let l = 0; l < lines; l++) {
      let diff = 0;
      let q = 0;
      const src = (a * lines + l) * samples;
      const dst = l * (samples + 1);
      for (let s = 0; s < samples; s++) {
        const i = src + s;
        const z = bytes[i] | (bytes[n + i] << 8);
        diff += (z >>> 1) ^ -(z & 1); // zigzag back to a signed second difference
        q += diff;
        axis[dst + s] = lo + q * step;
      }
      axis[dst + samples] = NaN;
    }
    out.push(axis);
  }
  return out;
}

/** Points (n of them, d axes) -> d arrays of n values. */
export function decodePoints(b64, count, range, levels) {
  const d = range.length;
  const bytes = planes(b64, d * count);
  const n = d * count;
  return range.map(([lo, hi], a) => {
    const step = (hi - lo) / levels;
    const axis = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const j = a * count + i;
      axis[i] = lo + (bytes[j] | (bytes[n + j] << 8)) * step;
    }
    return axis;
  });
}

/** A frame's `manifold` view, decoded. Spaces decode on first use (`space(i)`), so a frame
 *  drawn only in the large view costs one space. */
export function decodeManifold(m) {
  const { lines: half, samples } = m.mesh;
  const lines = 2 * half;
  const count = m.n_points;
  const cache = new Map();
  const labelBytes = decodeBytes(m.labels.data, count);
  const labels = m.labels.kind === "class" ? labelBytes : Float32Array.from(labelBytes, (b) => b / 127.5 - 1);
  const space = (i) => {
    if (!cache.has(i)) {
      const s = m.spaces[i];
      cache.set(i, {
        ...s,
        index: i,
        dims: s.range.length,
        mesh: s.mesh ? decodeLines(s.mesh, lines, samples, s.range, m.levels) : null,
        points: decodePoints(s.points, count, s.range, m.levels),
      });
    }
    return cache.get(i);
  };
  let stages = null;
  const stagesOf = () => {
    if (!m.stages) return null;
    if (!stages) {
      const st = m.stages;
      stages = {
        ...st,
        mesh: st.mesh ? st.mesh.map((b) => decodeLines(b, lines, samples, st.range, m.levels)) : null,
        points: st.points.map((b) => decodePoints(b, count, st.range, m.levels)),
      };
    }
    return stages;
  };
  return {
    lines, half, samples, count,
    labels, labelKind: m.labels.kind, nClasses: m.labels.n_classes,
    length: m.spaces.length,
    info: m.spaces, // undecoded: captions, labels, ranges, probes
    probes: m.spaces.map((s) => s.probe),
    separable: m.separable,
    separableAt: m.separable_at,
    stageInfo: m.stages ? { layer: m.stages.layer, space: m.stages.space, names: m.stages.names } : null,
    space,
    stages: stagesOf,
  };
}

/** Blend two lists of axis arrays: (1 - u) a + u b (NaN gaps stay NaN). */
export function blend(a, b, u) {
  if (u <= 0) return a;
  if (u >= 1) return b;
  return a.map((axis, k) => {
    const other = b[k];
    const out = new Float32Array(axis.length);
    for (let i = 0; i < axis.length; i++) out[i] = axis[i] + (other[i] - axis[i]) * u;
    return out;
  });
}

/** Stage t in [0, 3] of the staged block: endpoints 0..2 from `stages`, 3 the space itself.
 *  Returns {mesh, points} as lists of axis arrays. */
export function stageAt(stages, space, t) {
  const i = Math.min(Math.floor(t), 2);
  const u = t - i;
  const pick = (k, part) => (k === 3 ? space[part] : stages[part]?.[k] ?? null);
  const at = (part) => {
    const a = pick(i, part);
    const b = pick(i + 1, part);
    if (!a || !b) return null;
    return blend(a, b, u);
  };
  return { mesh: at("mesh"), points: at("points") };
}
