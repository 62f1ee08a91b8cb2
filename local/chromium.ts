/**
 * Headless Chromium for the dashboard tests (playwright-core drives it; it downloads no browser of its own).
 * `npm ci && npm test` must pass with only the README's prerequisites, so when no Chromium is installed the
 * one inside the `@sparticuz/chromium` npm package is used: its headless shell ships as brotli files in the
 * package, needs only glibc, and is unpacked once into `.cache/chromium-<version>/` (`npm run setup` does it
 * ahead of time, ~3 s, 200 MB). An installed Chromium is preferred when there is one: no unpacking, and the
 * browser the developer has. The package is pinned to 147.0.0, its newest release that supports Node 20 (later
 * ones require Node 22.17); playwright-core drives that Chromium as it does Debian's 156.
 *
 * Environment: `CHROMIUM_PATH` names a binary to use. `EKSFLOW_CHROMIUM=packaged` uses the package's even
 * when a system one exists (CI does, to test what a fresh machine gets); `EKSFLOW_CHROMIUM=system` requires
 * the installed one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Progress, run } from './sandbox/processes';

/** Names an installed Chromium goes by (Debian's `chromium`, Ubuntu's and Fedora's, Google's build). */
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export type ChromiumChoice = { source: 'CHROMIUM_PATH' | 'system'; executablePath: string } | { source: 'packaged' };

/** Which Chromium to use, decided from the environment and PATH alone (nothing is unpacked here). */
export function chooseChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  if (env.CHROMIUM_PATH) return { source: 'CHROMIUM_PATH', executablePath: env.CHROMIUM_PATH };
  const wanted = env.EKSFLOW_CHROMIUM;
  if (wanted !== undefined && wanted !== '' && wanted !== 'packaged' && wanted !== 'system') {
    throw new Error(`EKSFLOW_CHROMIUM must be "packaged" or "system" (or unset), not "${wanted}"`);
  }
  if (wanted === 'packaged') return { source: 'packaged' };
  const installed = findOnPath(SYSTEM_NAMES, env.PATH ?? '');
  if (installed) return { source: 'system', executablePath: installed };
  if (wanted === 'system') {
    throw new Error(`EKSFLOW_CHROMIUM=system, but none of ${SYSTEM_NAMES.join(', ')} is on PATH`);
  }
  return { source: 'packaged' };
}

/** What `chromium.launch()` of playwright-core takes, for the Chromium `chooseChromium` picks. */
export interface ChromiumLaunch {
  source: ChromiumChoice['source'];
  executablePath: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Finds (or unpacks, the first time) the Chromium to launch. The one way every test and `npm run setup` get
 * their browser: `chromium.launch(await chromiumLaunchOptions(REPO_ROOT))`.
 */
export async function chromiumLaunchOptions(
  root: string,
  progress?: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChromiumLaunch> {
  const choice = chooseChromium(env);
  // Root in CI: Chromium's own sandbox needs user namespaces a container may not give.
  const args = ['--no-sandbox'];
  // Under LANG=C(.UTF-8) a bare Chromium binary's ICU locale is "en-US@posix", which Intl (the dashboard's number
  // and date formatting) rejects with a RangeError; Debian's chromium wrapper hides that, the packaged one does not.
  const locale = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  if (choice.source !== 'packaged') return { ...choice, args, env: { ...env, ...locale } };
  const dir = await unpackPackagedChromium(root, progress);
  return {
    source: 'packaged',
    executablePath: path.join(dir, 'chromium'),
    args,
    // The package's own fonts.conf names Lambda's folders; ours adds its Open Sans to the system's fonts, so the
    // screenshots have text on a machine without fonts too.
    env: { ...env, ...locale, FONTCONFIG_FILE: path.join(dir, 'fonts.conf') },
  };
}

/**
 * Unpacks the package's Chromium (the binary, its SwiftShader GL libraries and fonts) into
 * `<root>/.cache/chromium-<version>/` unless it is there, and returns that folder. The package unpacks into
 * `os.tmpdir()` and trusts any file it finds there, so it runs in a child whose TMPDIR is a private partial
 * folder, renamed into place when complete: a crash or a concurrent run never leaves a half-written binary.
 */
async function unpackPackagedChromium(root: string, progress?: Progress): Promise<string> {
  const entry = require.resolve('@sparticuz/chromium', { paths: [root] });
  // The package exports no package.json; its entry point is <package>/build/cjs/index.cjs.
  const manifest = path.resolve(path.dirname(entry), '..', '..', 'package.json');
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  const dir = path.join(root, '.cache', `chromium-${version}`);
  if (fs.existsSync(path.join(dir, 'chromium'))) return dir;

  progress?.(
    `unpacking Chromium from @sparticuz/chromium ${version} into ${path.relative(root, dir)} — first run only`,
  );
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    const unpack = `require(${JSON.stringify(entry)}).executablePath().then((p) => process.stdout.write(p))`;
    const binary = await run(process.execPath, ['-e', unpack], { env: { ...process.env, TMPDIR: partial } });
    if (binary !== path.join(partial, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${binary}`);
    fs.writeFileSync(path.join(partial, 'fonts.conf'), fontsConf(dir));
    fs.renameSync(partial, dir);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    // Another process unpacked the same version first: its folder is complete.
    if (fs.existsSync(path.join(dir, 'chromium'))) return dir;
    throw error;
  }
  return dir;
}

function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    `  <dir>${path.join(dir, 'fonts', 'fonts')}</dir>`,
    `  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

/** The first of `names` that is an executable file in a PATH folder, as `command -v` finds it. */
function findOnPath(names: string[], searchPath: string): string | undefined {
  const folders = searchPath.split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const folder of folders) {
      const candidate = path.join(folder, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
