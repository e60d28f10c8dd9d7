import { chromium } from 'playwright-core';

/**
 * Flags every browser suite runs Chromium with. The background-networking ones keep it from
 * calling out to services this (closed) network cannot reach, which otherwise fail at start.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Fake camera, microphone and screen, granted without a prompt (WebRTC suites). */
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/**
 * Launch Debian's Chromium (or the one at CHROMIUM_PATH) headless.
 * @param {{ media?: boolean }} [options] `media: true` adds fake media devices.
 */
export function launchChromium(options = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: options.media ? [...CHROMIUM_ARGS, ...FAKE_MEDIA_ARGS] : CHROMIUM_ARGS,
  });
}
