/**
 * The dashboard's build: esbuild bundles dashboard/src (Preact views, the site page, uPlot) into
 * dashboard/dist/app.js and the styles (with uPlot's) into dist/style.css, and copies index.html. The hub
 * serves dashboard/dist. `npm run build:dashboard`; `npm run demo`, `npm run build` and the tests' global
 * setup run it too.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD_DIST = join(root, 'dist');

export interface DashboardBuild {
  /** The initial JavaScript (app.js), raw and gzipped. */
  jsBytes: number;
  jsGzipBytes: number;
  cssBytes: number;
}

export async function buildDashboard(): Promise<DashboardBuild> {
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'src/main.ts'), style: join(root, 'style.css') },
    outdir: DASHBOARD_DIST,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'index.html'), join(DASHBOARD_DIST, 'index.html'));
  const js = readFileSync(join(DASHBOARD_DIST, 'app.js'));
  return {
    jsBytes: js.length,
    jsGzipBytes: gzipSync(js).length,
    cssBytes: readFileSync(join(DASHBOARD_DIST, 'style.css')).length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b = await buildDashboard();
  console.log(
    `dashboard/dist: app.js ${(b.jsBytes / 1024).toFixed(1)} KB (${(b.jsGzipBytes / 1024).toFixed(1)} KB gzipped), style.css ${(b.cssBytes / 1024).toFixed(1)} KB`,
  );
}
