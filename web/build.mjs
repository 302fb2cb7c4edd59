// Builds the page into OUTDIR (the CMake build calls it; by hand: node web/build.mjs /tmp/page):
// src/main.js and what it imports (dagre included) bundled and minified into app.js, the style
// sheet into app.css, and index.html copied; app.js and app.css also gzipped (.gz), which the
// server sends to browsers that accept gzip. Only the packages of package-lock.json are used.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node web/build.mjs OUTDIR');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
// dagre and graphlib are MIT-licensed: their notices travel with the bundle.
const notices = ['@dagrejs/dagre', '@dagrejs/graphlib'].map((name) => {
  const text = fs.readFileSync(path.join(here, 'node_modules', name, 'LICENSE'), 'utf8');
  return `${name}:\n${text.replaceAll('*/', '* /')}`;
});
await esbuild.build({
  entryPoints: { app: path.join(here, 'src/main.js'), },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  legalComments: 'eof',
  banner: { js: `/*! colotrace web page. Bundled third-party code:\n${notices.join('\n')}*/` },
  logLevel: 'warning',
});
await esbuild.build({
  entryPoints: { app: path.join(here, 'src/app.css') },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
for (const name of ['index.html', 'icon.svg']) {
  fs.copyFileSync(path.join(here, 'src', name), path.join(out, name));
}
// Node's gzip header has no file name and a zero time, so the same input gives the same bytes.
for (const name of ['app.js', 'app.css']) {
  const plain = fs.readFileSync(path.join(out, name));
  fs.writeFileSync(path.join(out, `${name}.gz`), zlib.gzipSync(plain, { level: 9 }));
}
