import { defineConfig } from 'tsup';

export default defineConfig({
  // `binary` is its own entry so clients can import the framing without zod.
  entry: { index: 'src/index.ts', 'binary/index': 'src/binary/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
