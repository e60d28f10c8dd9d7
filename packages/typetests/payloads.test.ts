import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The `tsc` of an installed TypeScript package, by the name it is installed under. */
function tscOf(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'tsc');
}

function typecheck(tsc: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', join(fixtures, 'tsconfig.json')], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe.each([
  ['TypeScript 5.9', 'typescript', /^5\.9\./],
  ['TypeScript 7', 'typescript-7', /^7\./],
])("the SDK's payload types under %s", (_, pkg, version) => {
  it('accept JSON values and refuse the rest; payloads received are unknown until declared', async () => {
    expect((require(`${pkg}/package.json`) as { version: string }).version).toMatch(version);
    const { code, output } = await typecheck(tscOf(pkg));
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 120_000);
});
