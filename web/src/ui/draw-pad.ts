/**
 * The drawing canvas: white ink on black (as MNIST), pointer input (mouse, pen, touch). `input()` gives the
 * 28x28 model input; a test image shown with `showDigit` is returned exactly rather than re-processed.
 */
import { mnistStyle } from './digit-image.js';
import { paintDigit } from './paint.js';

export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private exact: Float32Array | null = null;
  private empty = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Called when a stroke ends or the content is replaced. */
    private readonly onChange: () => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('DrawPad: the canvas has no 2-D context');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.begin(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', () => this.end());
    canvas.addEventListener('pointercancel', () => this.end());
  }

  get isEmpty(): boolean {
    return this.empty;
  }

  clear(): void {
    this.ctx.fillStyle = '#000000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.exact = null;
    this.empty = true;
  }

  /** Shows a 28x28 image (values in [0,1]) scaled up, and remembers it as the exact input. */
  showDigit(pixels: Float32Array): void {
    paintDigit(this.canvas, pixels);
    this.exact = pixels;
    this.empty = false;
    this.onChange();
  }

  /** The 28x28 input, or null when nothing is drawn. */
  input(): Float32Array | null {
    if (this.exact !== null) return this.exact;
    if (this.empty) return null;
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const grey = new Float32Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i] / 255;
    return mnistStyle(grey, width, height);
  }

  private point(e: PointerEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    ];
  }

  private begin(e: PointerEvent): void {
    if (this.exact !== null) this.clear();
    this.drawing = true;
    this.canvas.setPointerCapture(e.pointerId);
    const [x, y] = this.point(e);
    this.ctx.strokeStyle = '#ffffff';
    this.ctx.lineWidth = this.canvas.width / 14;
    this.ctx.lineCap = 'round';
    this.ctx.lineJoin = 'round';
    this.ctx.beginPath();
    this.ctx.moveTo(x, y);
    this.ctx.lineTo(x, y);
    this.ctx.stroke();
    this.empty = false;
  }

  private move(e: PointerEvent): void {
    if (!this.drawing) return;
    const [x, y] = this.point(e);
    this.ctx.lineTo(x, y);
    this.ctx.stroke();
  }

  private end(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.onChange();
  }
}
