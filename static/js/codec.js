// Decoding the protocol's grids: base64 -> deflate -> bytes -> values (see docs/protocol.md).
//
// score grids: byte b stands for v = b / 127.5 - 1 (times `scale` for neuron grids);
// class grids: byte b = 40 * class + c, confidence c / 39 (0 = 1/k, 1 = certain).

export function base64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** zlib-inflate bytes with the browser's own DecompressionStream (async). The page decodes
 *  frames with `inflateSync` below instead: an await per grid lets the browser's rendering
 *  run in between, so one frame's 1 ms of decoding took 25 ms of wall time; the browser tests
 *  check that both give the same bytes. */
export async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// ---- inflate (RFC 1950/1951), synchronous: canonical Huffman decoding as in zlib's puff.c --

const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code from code lengths: symbols counted per length, sorted by code. */
function huffman(lengths) {
  const count = new Uint16Array(16);
  for (const len of lengths) count[len]++;
  count[0] = 0;
  const offs = new Uint16Array(16);
  for (let i = 1; i < 16; i++) offs[i] = offs[i - 1] + count[i - 1];
  const symbol = new Uint16Array(lengths.length);
  lengths.forEach((len, i) => {
    if (len) symbol[offs[len]++] = i;
  });
  return { count, symbol };
}

let FIXED = null;
function fixedCodes() {
  if (!FIXED) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    FIXED = [huffman(lit), huffman(new Uint8Array(30).fill(5))];
  }
  return FIXED;
}

/** zlib stream -> bytes. `sizeHint` preallocates the output (n*n for a grid). */
export function inflateSync(data, sizeHint = 0) {
  if ((data[0] & 0x0f) !== 8 || ((data[0] << 8) | data[1]) % 31 !== 0) {
    throw new Error("inflateSync: not a zlib deflate stream");
  }
  let pos = 2;
  let buf = 0;
  let cnt = 0;
  let out = new Uint8Array(Math.max(sizeHint, data.length * 4, 256));
  let n = 0;
  const bits = (k) => {
    while (cnt < k) {
      if (pos >= data.length) throw new Error("inflateSync: truncated stream");
      buf |= data[pos++] << cnt;
      cnt += 8;
    }
    const v = buf & ((1 << k) - 1);
    buf >>>= k;
    cnt -= k;
    return v;
  };
  const room = (k) => {
    if (n + k <= out.length) return;
    const bigger = new Uint8Array(Math.max(out.length * 2, n + k));
    bigger.set(out.subarray(0, n));
    out = bigger;
  };
  const decode = (h) => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Error("inflateSync: bad Huffman code");
  };
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      buf = 0; // skip to the byte boundary
      cnt = 0;
      const len = data[pos] | (data[pos + 1] << 8);
      pos += 4;
      room(len);
      out.set(data.subarray(pos, pos + len), n);
      pos += len;
      n += len;
      continue;
    }
    let lit;
    let dist;
    if (type === 1) {
      [lit, dist] = fixedCodes();
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      const codeLengths = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) codeLengths[ORDER[i]] = bits(3);
      const lencode = huffman(codeLengths);
      const lengths = new Uint8Array(nlen + ndist);
      for (let i = 0; i < nlen + ndist; ) {
        const sym = decode(lencode);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let repeat;
        let value = 0;
        if (sym === 16) {
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        while (repeat--) lengths[i++] = value;
      }
      lit = huffman(lengths.subarray(0, nlen));
      dist = huffman(lengths.subarray(nlen));
    } else {
      throw new Error("inflateSync: bad block type");
    }
    for (;;) {
      let sym = decode(lit);
      if (sym < 256) {
        room(1);
        out[n++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        sym -= 257;
        const len = LBASE[sym] + bits(LEXT[sym]);
        const dsym = decode(dist);
        const back = DBASE[dsym] + bits(DEXT[dsym]);
        room(len);
        for (let i = 0; i < len; i++, n++) out[n] = out[n - back];
      }
    }
  }
  return out.subarray(0, n);
}

/** One encoded grid (base64 of deflate) to its bytes. */
export function decodeBytes(b64, sizeHint = 0) {
  return inflateSync(base64ToBytes(b64), sizeHint);
}

export const byteToScore = (b) => b / 127.5 - 1;
export const byteToClass = (b) => Math.floor(b / 40);
export const byteToConfidence = (b) => (b % 40) / 39;

/** Bytes to real values: (b / 127.5 - 1) * scale. */
export function bytesToValues(bytes, scale = 1) {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] / 127.5 - 1) * scale;
  return out;
}

/** A frame's grids, decoded: {output: {n, kind, bytes}, neurons: [Float32Array per hidden
 *  layer, width*n*n values], neuronN, focus: {layer, neuron, n, scale, bytes} or null}. */
export function decodeFrame(frame) {
  const out = frame.output;
  const neurons = (frame.neurons ?? []).map((layer) =>
    bytesToValues(decodeBytes(layer.data), layer.scale ?? 1),
  );
  const focus = frame.focus?.data ? { ...frame.focus, bytes: decodeBytes(frame.focus.data) } : null;
  return {
    output: out ? { n: out.n, kind: out.kind, bytes: decodeBytes(out.data, out.n * out.n) } : null,
    neurons,
    neuronN: frame.neurons?.[0]?.n ?? 0,
    focus,
  };
}

/** The network message's feature grids (one block of all features, a shared scale):
 *  [{name, n, values: Float32Array}]. */
export function decodeFeatureGrids(msg) {
  const grids = msg.feature_grids;
  const names = msg.features ?? [];
  if (!grids?.data) return [];
  const n = grids.n;
  const values = bytesToValues(decodeBytes(grids.data), grids.scale ?? 1);
  return names.map((name, i) => ({ name, n, values: values.subarray(i * n * n, (i + 1) * n * n) }));
}
