// draw.js — the maps (decision regions, unit thumbnails), the points and the network diagram.
// Everything numeric comes from the server; this file only turns numbers into pixels.

export function floats(base64) {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; ++i) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

// Class colours: two classes as TensorFlow Playground (orange, blue), more from a palette.
export const PALETTE = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [200, 60, 160], [120, 90, 40],
  [220, 40, 40], [90, 90, 200], [0, 150, 150], [150, 150, 0], [100, 100, 100]];
export function classColor(k, alpha = 1) {
  const [r, g, b] = PALETTE[k % PALETTE.length];
  return `rgba(${r},${g},${b},${alpha})`;
}

// The decision regions: grid.data holds `outputs` values per pixel, pixel-major, row 0 at the top.
export function drawRegions(ctx, grid, size) {
  const n = grid.n, k = grid.outputs;
  const values = floats(grid.data);
  const img = ctx.createImageData(n, n);
  for (let p = 0; p < n * n; ++p) {
    let cls, conf;
    if (k === 1) {
      const v = values[p];
      cls = v > 0.5 ? 1 : 0;
      conf = Math.min(1, Math.abs(v - 0.5) * 2);
    } else {
      cls = 0;
      for (let o = 1; o < k; ++o) if (values[p * k + o] > values[p * k + cls]) cls = o;
      conf = Math.max(0, Math.min(1, (values[p * k + cls] - 1 / k) / (1 - 1 / k)));
    }
    const c = PALETTE[cls % PALETTE.length];
    const t = 0.15 + 0.6 * conf;  // blend with white by confidence
    img.data[4 * p] = 255 + (c[0] - 255) * t;
    img.data[4 * p + 1] = 255 + (c[1] - 255) * t;
    img.data[4 * p + 2] = 255 + (c[2] - 255) * t;
    img.data[4 * p + 3] = 255;
  }
  const off = new OffscreenCanvas(n, n);
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, size, size);
}

// Plane coordinates -> canvas pixels.
export function toCanvas(plane, size, x1, x2) {
  const [a0, a1, b0, b1] = plane;
  return [(x1 - a0) / (a1 - a0) * size, (b1 - x2) / (b1 - b0) * size];
}

export function drawPoints(ctx, setup, size, highlight) {
  for (const [set, stroke] of [['train', '#fff'], ['test', '#000']]) {
    const pts = setup[set];
    if (!pts.x1) continue;
    for (let i = 0; i < pts.n; ++i) {
      const [px, py] = toCanvas(setup.plane, size, pts.x1[i], pts.x2[i]);
      ctx.beginPath();
      ctx.arc(px, py, size > 200 ? 4 : 2.5, 0, 2 * Math.PI);
      ctx.fillStyle = classColor(pts.labels[i]);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = stroke;
      ctx.stroke();
    }
  }
  if (highlight) {
    const pts = setup[highlight.set];
    const [px, py] = toCanvas(setup.plane, size, pts.x1[highlight.index], pts.x2[highlight.index]);
    ctx.beginPath();
    ctx.arc(px, py, 9, 0, 2 * Math.PI);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = '#d00';
    ctx.stroke();
  }
}

// The nearest point to a click, within `radius` pixels.
export function pick(setup, size, cx, cy, radius = 10) {
  let best = null, bestD = radius * radius;
  for (const set of ['train', 'test']) {
    const pts = setup[set];
    if (!pts.x1) continue;
    for (let i = 0; i < pts.n; ++i) {
      const [px, py] = toCanvas(setup.plane, size, pts.x1[i], pts.x2[i]);
      const d = (px - cx) ** 2 + (py - cy) ** 2;
      if (d <= bestD) { bestD = d; best = { set, index: i }; }
    }
  }
  return best;
}

// One unit's activation over the plane, diverging orange (low) - white - blue (high).
export function drawThumb(canvas, values, offset, n, activation) {
  let mid = 0, half = 1;
  if (activation === 'sigmoid' || activation === 'softmax') { mid = 0.5; half = 0.5; }
  else if (activation !== 'tanh') {
    let m = 0;
    for (let p = 0; p < n * n; ++p) m = Math.max(m, Math.abs(values[offset + p]));
    half = m || 1;
  }
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(n, n);
  for (let p = 0; p < n * n; ++p) {
    const t = Math.max(-1, Math.min(1, (values[offset + p] - mid) / half));
    const c = t >= 0 ? PALETTE[1] : PALETTE[0];
    const s = Math.abs(t);
    img.data[4 * p] = 255 + (c[0] - 255) * s;
    img.data[4 * p + 1] = 255 + (c[1] - 255) * s;
    img.data[4 * p + 2] = 255 + (c[2] - 255) * s;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// A "thumbnail" of an input feature: the plane's own coordinate.
export function drawInputThumb(canvas, n, which) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(n, n);
  for (let r = 0; r < n; ++r) for (let c = 0; c < n; ++c) {
    const t = which === 0 ? (c + 0.5) / n * 2 - 1 : 1 - (r + 0.5) / n * 2;
    const col = t >= 0 ? PALETTE[1] : PALETTE[0];
    const p = r * n + c, s = Math.abs(t);
    img.data[4 * p] = 255 + (col[0] - 255) * s;
    img.data[4 * p + 1] = 255 + (col[1] - 255) * s;
    img.data[4 * p + 2] = 255 + (col[2] - 255) * s;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
