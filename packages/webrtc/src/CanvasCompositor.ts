import { layoutTiles, type CompositorLayout, type Tile } from './layoutTiles.js';

/** Options of {@link CanvasCompositor}. */
export interface CanvasCompositorOptions {
  /** Output size in pixels (default 1280×720). */
  width?: number;
  height?: number;
  /** Frames per second drawn and captured (default 30). */
  fps?: number;
  /** Starting layout (default `grid`). */
  layout?: CompositorLayout;
  /** CSS colour behind the tiles (default black). */
  background?: string;
  /** Draw on this canvas (e.g. one on the page, to show the mix) instead of a detached one. */
  canvas?: HTMLCanvasElement;
}

/** Options of {@link CanvasCompositor.add}. */
export interface CompositorSourceOptions {
  /** Id to refer to the source by (default: made up and returned). */
  id?: string;
  /** Text drawn in the tile's corner. */
  label?: string;
}

interface Source {
  id: string;
  label: string | undefined;
  video: HTMLVideoElement;
}

let counter = 0;

/**
 * Draws several video tracks into one canvas and captures it as a single video stream: one track
 * to send (a recording, a broadcast, a mixed view for a peer) instead of many. Layouts `grid`,
 * `pip` (picture in picture) and `focus` switch live, without touching the output track.
 *
 * @example
 * const compositor = new CanvasCompositor({ layout: 'grid' });
 * compositor.add(await MediaSources.camera(), { id: 'me', label: 'Me' });
 * compositor.add(await MediaSources.screen(), { id: 'screen' });
 * compositor.setLayout('pip', 'screen');
 * peer.rtc.addStream('mix', compositor.stream);
 */
export class CanvasCompositor {
  readonly canvas: HTMLCanvasElement;
  /** The composed video, one track. */
  readonly stream: MediaStream;
  readonly #context: CanvasRenderingContext2D;
  readonly #interval: number;
  readonly #background: string;
  #sources: Source[] = [];
  #layout: CompositorLayout;
  #focus: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #frames = 0;

  constructor(options: CanvasCompositorOptions = {}) {
    this.canvas = options.canvas ?? document.createElement('canvas');
    this.canvas.width = options.width ?? 1280;
    this.canvas.height = options.height ?? 720;
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('CanvasCompositor: no 2D context on this canvas');
    this.#context = context;
    const fps = options.fps ?? 30;
    this.#interval = 1000 / fps;
    this.#background = options.background ?? '#000';
    this.#layout = options.layout ?? 'grid';
    this.stream = this.canvas.captureStream(fps);
    this.#draw();
  }

  /** The composed video track. */
  get track(): MediaStreamTrack {
    return this.stream.getVideoTracks()[0]!;
  }

  get layout(): CompositorLayout {
    return this.#layout;
  }

  /** The ids of the sources, in drawing order. */
  get sources(): string[] {
    return this.#sources.map((s) => s.id);
  }

  /** Frames drawn so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Adds a video source (a stream's first video track, or a track); returns its id. */
  add(source: MediaStream | MediaStreamTrack, options: CompositorSourceOptions = {}): string {
    const track = source instanceof MediaStream ? source.getVideoTracks()[0] : source;
    if (!track || track.kind !== 'video') throw new TypeError('CanvasCompositor.add: needs a video track');
    const id = options.id ?? `source-${++counter}`;
    if (this.#sources.some((s) => s.id === id)) throw new Error(`CanvasCompositor: "${id}" is already added`);
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    void video.play().catch(() => {});
    this.#sources.push({ id, label: options.label, video });
    return id;
  }

  /** Removes a source; false when there is none with that id. */
  remove(id: string): boolean {
    const index = this.#sources.findIndex((s) => s.id === id);
    if (index === -1) return false;
    const [source] = this.#sources.splice(index, 1);
    source!.video.srcObject = null;
    if (this.#focus === id) this.#focus = undefined;
    return true;
  }

  /** Switches layout (live); `focus` names the main source for `pip` and `focus`. */
  setLayout(layout: CompositorLayout, focus?: string): void {
    this.#layout = layout;
    if (focus !== undefined) this.focus(focus);
  }

  /** Makes `id` the main source of `pip` and `focus` layouts. */
  focus(id: string): void {
    if (!this.#sources.some((s) => s.id === id)) throw new Error(`CanvasCompositor: no source "${id}"`);
    this.#focus = id;
  }

  /** Stops drawing and ends the output track (the sources' tracks are the caller's). */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const source of this.#sources) source.video.srcObject = null;
    this.#sources = [];
    for (const track of this.stream.getTracks()) track.stop();
  }

  // A timer rather than requestAnimationFrame: rAF stops in background tabs, and a call's outgoing
  // video must keep going while the user looks at another tab.
  readonly #draw = (): void => {
    const started = performance.now();
    this.#paint();
    this.#frames++;
    const spent = performance.now() - started;
    this.#timer = setTimeout(this.#draw, Math.max(0, this.#interval - spent));
  };

  #paint(): void {
    const { width, height } = this.canvas;
    const ctx = this.#context;
    ctx.fillStyle = this.#background;
    ctx.fillRect(0, 0, width, height);
    const focus = Math.max(0, this.#sources.findIndex((s) => s.id === this.#focus));
    const tiles = layoutTiles(this.#layout, this.#sources.length, width, height, focus);
    // The main tile first, so pip thumbnails are drawn over it.
    const order = this.#sources.map((_, i) => i).sort((a, b) => Number(b === focus) - Number(a === focus));
    for (const i of order) this.#paintSource(this.#sources[i]!, tiles[i]!);
  }

  #paintSource({ video, label }: Source, tile: Tile): void {
    const ctx = this.#context;
    ctx.fillStyle = '#202327';
    ctx.fillRect(tile.x, tile.y, tile.width, tile.height);
    if (video.videoWidth > 0 && video.videoHeight > 0) {
      // Fit inside the tile, keeping the aspect ratio.
      const scale = Math.min(tile.width / video.videoWidth, tile.height / video.videoHeight);
      const w = video.videoWidth * scale;
      const h = video.videoHeight * scale;
      ctx.drawImage(video, tile.x + (tile.width - w) / 2, tile.y + (tile.height - h) / 2, w, h);
    }
    if (label) {
      ctx.font = `${Math.max(12, Math.round(tile.height / 16))}px system-ui, sans-serif`;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
      const textWidth = ctx.measureText(label).width;
      ctx.fillRect(tile.x + 6, tile.y + tile.height - 30, textWidth + 12, 24);
      ctx.fillStyle = '#fff';
      ctx.fillText(label, tile.x + 12, tile.y + tile.height - 12);
    }
  }
}
