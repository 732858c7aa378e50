/** Draws a 28x28 image (values in [0,1], row-major) scaled to fill a canvas, pixels kept sharp. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('paintDigit: the canvas has no 2-D context');
  const image = new ImageData(28, 28);
  pixels.forEach((v, i) => {
    const g = Math.round(255 * Math.min(Math.max(v, 0), 1));
    image.data.set([g, g, g, 255], 4 * i);
  });
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  small.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
