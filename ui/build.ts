import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The dashboard's sources and its static bundle (gitignored; built by `npm run build:ui` or on first use). */
export const UI_SOURCE_DIR = path.join(__dirname, 'src');
export const UI_BUNDLE_DIR = path.join(__dirname, 'dist');
/** The files the bundle serves; nothing else under /ui/ is ever read from disk. */
export const UI_FILES = ['index.html', 'app.js', 'app.css'] as const;

/** Bundles preact, htm, uPlot and our code into one script and one stylesheet: nothing is fetched at run time. */
export async function buildUi(outDir = UI_BUNDLE_DIR): Promise<void> {
  const esbuild = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(UI_SOURCE_DIR, 'app.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    outdir: outDir,
    logLevel: 'warning',
    legalComments: 'linked',
  });
  copyFileSync(path.join(UI_SOURCE_DIR, 'index.html'), path.join(outDir, 'index.html'));
}

function newestSourceTime(): number {
  return Math.max(...readdirSync(UI_SOURCE_DIR).map((f) => statSync(path.join(UI_SOURCE_DIR, f)).mtimeMs));
}

/** Builds the bundle when it is missing or older than a source (a fresh clone, or after editing ui/src). */
export async function ensureUiBundle(outDir = UI_BUNDLE_DIR): Promise<string> {
  const files = UI_FILES.map((f) => path.join(outDir, f));
  const stale =
    files.some((f) => !existsSync(f)) || Math.min(...files.map((f) => statSync(f).mtimeMs)) < newestSourceTime();
  if (stale) await buildUi(outDir);
  return outDir;
}

if (require.main === module) {
  buildUi().then(
    () => process.stdout.write(`dashboard bundle written to ${path.relative(process.cwd(), UI_BUNDLE_DIR)}/\n`),
    (error) => {
      process.stderr.write(`${error?.message ?? error}\n`);
      process.exit(1);
    },
  );
}
