// cursor.js: the customer's pointer, drawn by the page over the video
// (docs/wire.md section 8): shapes arrive on the control channel
// (cursor-shape), positions on the unordered, lossy cursor channel.

const maxShapes = 16;

// parseShape decodes a cursor-shape body's data (8.2): big-endian header,
// then premultiplied RGBA compressed with raw DEFLATE.
export async function parseShape(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dv = new DataView(bytes.buffer);
  if (bytes.length < 14 || dv.getUint8(0) !== 2) throw new Error('not a cursor shape');
  const s = { serial: dv.getUint32(2), w: dv.getUint16(6), h: dv.getUint16(8), hx: dv.getUint16(10), hy: dv.getUint16(12) };
  if (s.w < 1 || s.w > 64 || s.h < 1 || s.h > 64 || s.hx >= s.w || s.hy >= s.h) throw new Error('cursor shape out of range');
  const inflated = new Blob([bytes.subarray(14)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const px = new Uint8ClampedArray(await new Response(inflated).arrayBuffer());
  if (px.length !== s.w * s.h * 4) throw new Error('cursor shape pixels do not match its size');
  for (let i = 0; i < px.length; i += 4) { // ImageData is not premultiplied
    const a = px[i + 3];
    if (a && a < 255) for (let j = 0; j < 3; j++) px[i + j] = (px[i + j] * 255) / a;
  }
  s.bitmap = await createImageBitmap(new ImageData(px, s.w, s.h));
  return s;
}

// parsePosition decodes a cursor channel message (8.1), or returns null.
export function parsePosition(buf) {
  if (buf.byteLength !== 16) return null;
  const dv = new DataView(buf);
  if (dv.getUint8(0) !== 1) return null;
  return { hidden: (dv.getUint8(1) & 1) === 1, seq: dv.getUint16(2), serial: dv.getUint32(4), x: dv.getInt32(8), y: dv.getInt32(12) };
}

// RemoteCursor draws the newest position with its shape on a canvas laid
// over the video.
export class RemoteCursor {
  constructor(canvas, video) {
    this.canvas = canvas;
    this.video = video;
    this.reset();
  }

  reset() {
    this.shapes = new Map();
    this.pos = null;
    this.newest = -1;
    this.queued = false;
    this.schedule();
  }

  async shape(b64) {
    try {
      const s = await parseShape(b64);
      this.shapes.set(s.serial, s);
      if (this.shapes.size > maxShapes) this.shapes.delete(this.shapes.keys().next().value);
      this.schedule();
    } catch { /* a broken shape is dropped, as the Go side does */ }
  }

  position(buf) {
    const p = parsePosition(buf);
    if (!p) return;
    // Serial-number arithmetic: newer when int16(seq - newest) > 0.
    if (this.newest >= 0 && ((((p.seq - this.newest) & 0xffff) << 16) >> 16) <= 0) return;
    this.newest = p.seq;
    this.pos = p;
    this.schedule();
  }

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => { this.queued = false; this.draw(); });
  }

  // draw fits the canvas to the picture (object-fit: contain leaves bars)
  // and draws the pointer at its hot spot.
  draw() {
    const v = this.video;
    const c = this.canvas;
    const vw = v.videoWidth;
    const vh = v.videoHeight;
    const ratio = devicePixelRatio || 1;
    const scale = vw && vh ? Math.min(v.clientWidth / vw, v.clientHeight / vh) : 0;
    const left = v.offsetLeft + (v.clientWidth - vw * scale) / 2;
    const top = v.offsetTop + (v.clientHeight - vh * scale) / 2;
    Object.assign(c.style, { left: `${left}px`, top: `${top}px`, width: `${vw * scale}px`, height: `${vh * scale}px` });
    c.width = Math.round(vw * scale * ratio);
    c.height = Math.round(vh * scale * ratio);
    const g = c.getContext('2d');
    g.clearRect(0, 0, c.width, c.height);
    const p = this.pos;
    const s = p && !p.hidden && this.shapes.get(p.serial);
    c.dataset.at = s ? `${p.x},${p.y}` : '';
    if (!s) return;
    const k = scale * ratio;
    g.drawImage(s.bitmap, (p.x - s.hx) * k, (p.y - s.hy) * k, s.w * k, s.h * k);
  }
}
