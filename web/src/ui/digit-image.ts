/**
 * Turns a large grey drawing into an MNIST-style 28x28 input the way MNIST itself was made: the ink's bounding
 * box is scaled (area averaging) so that its longer side is 20 pixels, then placed so that its centre of mass
 * is at the centre of the 28x28 image. Pure functions on arrays, so they are testable without a canvas.
 */

export const SIDE = 28;
const BOX = 20;
const INK = 0.05;

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

function inkBox(grey: Float32Array, width: number, height: number): Box | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] > INK) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** Area-average resampling of the box to outW x outH pixels. */
function resample(grey: Float32Array, width: number, box: Box, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = box.width / outW;
  const sy = box.height / outH;
  for (let ty = 0; ty < outH; ty++) {
    const y0 = box.top + ty * sy;
    const y1 = y0 + sy;
    for (let tx = 0; tx < outW; tx++) {
      const x0 = box.left + tx * sx;
      const x1 = x0 + sx;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += grey[y * width + x] * wx * wy;
          area += wx * wy;
        }
      }
      out[ty * outW + tx] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/**
 * The 28x28 input (values in [0,1], row-major) for a drawing `grey` of width x height values in [0,1]
 * (ink = 1), or null when nothing is drawn.
 */
export function mnistStyle(grey: Float32Array, width: number, height: number): Float32Array | null {
  if (grey.length !== width * height) {
    throw new Error(`mnistStyle: grey must hold width*height = ${width * height} values, got ${grey.length}`);
  }
  const box = inkBox(grey, width, height);
  if (box === null) return null;
  const scale = BOX / Math.max(box.width, box.height);
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  const small = resample(grey, width, box, w, h);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  // Offset that puts the centre of mass at the image centre, kept inside the frame.
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const ox = clamp(Math.round(SIDE / 2 - (mass > 0 ? cx / mass : w / 2) - 0.5), SIDE - w);
  const oy = clamp(Math.round(SIDE / 2 - (mass > 0 ? cy / mass : h / 2) - 0.5), SIDE - h);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[(y + oy) * SIDE + x + ox] = Math.min(1, small[y * w + x]);
  }
  return out;
}
