// Filled contours painted on a canvas: the surface grid (rows from the bottom) is sampled
// bilinearly at every pixel, cut into `bands` levels (light to dark), and a pixel whose band
// differs from its right or lower neighbour's is darkened: the contour line. Painted once per
// surface and shown as the plot's layout image, so redrawing the trails never recomputes it.

const LIGHT = [255, 255, 255];
const DARK = [120, 160, 196];

/** Level colour for t in [0, 1]. */
export const levelColor = (t) => LIGHT.map((c, i) => Math.round(c + (DARK[i] - c) * t));

/** Paint `z` (n rows x m columns, row 0 at the bottom) on a size x size canvas; data URL. */
export function contourImage(z, zmin, zmax, size = 400, bands = 22) {
  const n = z.length;
  const m = z[0].length;
  const band = new Int16Array(size * size);
  const span = zmax - zmin || 1;
  for (let py = 0; py < size; py++) {
    const gy = ((size - 1 - py) / (size - 1)) * (n - 1); // canvas row 0 is the top
    const i0 = Math.min(Math.floor(gy), n - 2);
    const fy = gy - i0;
    for (let px = 0; px < size; px++) {
      const gx = (px / (size - 1)) * (m - 1);
      const j0 = Math.min(Math.floor(gx), m - 2);
      const fx = gx - j0;
      const v = (z[i0][j0] * (1 - fx) + z[i0][j0 + 1] * fx) * (1 - fy) + (z[i0 + 1][j0] * (1 - fx) + z[i0 + 1][j0 + 1] * fx) * fy;
      band[py * size + px] = Math.max(0, Math.min(bands - 1, Math.floor(((v - zmin) / span) * bands)));
    }
  }
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let p = 0; p < size * size; p++) {
    const b = band[p];
    let [r, g, bl] = levelColor(b / (bands - 1));
    const right = p % size < size - 1 ? band[p + 1] : b;
    const below = p + size < size * size ? band[p + size] : b;
    if (right !== b || below !== b) [r, g, bl] = [r * 0.72, g * 0.75, bl * 0.8];
    img.data.set([r, g, bl, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL("image/png");
}

/** Bilinear value of the grid at (x, y) inside the domain. */
export function sample(contour, x, y) {
  const { x: xs, y: ys, z } = contour;
  const gx = ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * (xs.length - 1);
  const gy = ((y - ys[0]) / (ys[ys.length - 1] - ys[0])) * (ys.length - 1);
  const j = Math.max(0, Math.min(Math.floor(gx), xs.length - 2));
  const i = Math.max(0, Math.min(Math.floor(gy), ys.length - 2));
  const fx = gx - j;
  const fy = gy - i;
  return (z[i][j] * (1 - fx) + z[i][j + 1] * fx) * (1 - fy) + (z[i + 1][j] * (1 - fx) + z[i + 1][j + 1] * fx) * fy;
}
