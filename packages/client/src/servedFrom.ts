/**
 * The server this copy of the SDK was served from, as an `http(s)://` base URL, when that is where
 * it should connect by default. The npm builds were not served by an MWSE server (a bundler put
 * them in the app), so they answer `undefined` and `new MWSE()` uses the page's origin.
 *
 * The self-contained build the server serves as `/sdk/client/index.js` swaps this file for
 * `servedFrom.served.ts` (see tsup.config.ts).
 */
export function servedFrom(): string | undefined {
  return undefined;
}
