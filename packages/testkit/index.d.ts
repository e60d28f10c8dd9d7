import type { Browser } from 'playwright-core';

/** Flags every browser suite runs Chromium with. */
export declare const CHROMIUM_ARGS: string[];
/** Fake camera, microphone and screen, granted without a prompt (WebRTC suites). */
export declare const FAKE_MEDIA_ARGS: string[];
/** Launch Debian's Chromium (or the one at CHROMIUM_PATH) headless; `media: true` adds fake devices. */
export declare function launchChromium(options?: { media?: boolean }): Promise<Browser>;
