import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseChromium } from '../../../local/chromium';

/** A PATH folder holding the given files, executable or not. */
function folderWith(files: { name: string; executable: boolean }[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-chromium-path-'));
  for (const { name, executable } of files) {
    writeFileSync(path.join(dir, name), '#!/bin/sh\n');
    chmodSync(path.join(dir, name), executable ? 0o755 : 0o644);
  }
  return dir;
}

describe('chooseChromium', () => {
  const empty = folderWith([]);
  const debian = folderWith([{ name: 'chromium', executable: true }]);
  const google = folderWith([{ name: 'google-chrome', executable: true }]);
  const notExecutable = folderWith([{ name: 'chromium', executable: false }]);
  const folderNamedChromium = folderWith([]);
  mkdirSync(path.join(folderNamedChromium, 'chromium'));

  it.each([
    { what: 'nothing installed', env: { PATH: empty }, expected: { source: 'packaged' } },
    {
      what: "Debian's chromium on PATH",
      env: { PATH: [empty, debian].join(path.delimiter) },
      expected: { source: 'system', executablePath: path.join(debian, 'chromium') },
    },
    {
      what: 'chromium preferred to google-chrome, whatever the folder order',
      env: { PATH: [google, debian].join(path.delimiter) },
      expected: { source: 'system', executablePath: path.join(debian, 'chromium') },
    },
    {
      what: 'google-chrome alone',
      env: { PATH: google },
      expected: { source: 'system', executablePath: path.join(google, 'google-chrome') },
    },
    { what: 'a chromium that is not executable', env: { PATH: notExecutable }, expected: { source: 'packaged' } },
    { what: 'a folder named chromium', env: { PATH: folderNamedChromium }, expected: { source: 'packaged' } },
    { what: 'no PATH at all', env: {}, expected: { source: 'packaged' } },
    {
      what: 'EKSFLOW_CHROMIUM=packaged with a system one installed',
      env: { PATH: debian, EKSFLOW_CHROMIUM: 'packaged' },
      expected: { source: 'packaged' },
    },
    {
      what: 'EKSFLOW_CHROMIUM=system with one installed',
      env: { PATH: debian, EKSFLOW_CHROMIUM: 'system' },
      expected: { source: 'system', executablePath: path.join(debian, 'chromium') },
    },
    {
      what: 'CHROMIUM_PATH over everything',
      env: { PATH: debian, EKSFLOW_CHROMIUM: 'packaged', CHROMIUM_PATH: '/opt/chrome/chrome' },
      expected: { source: 'CHROMIUM_PATH', executablePath: '/opt/chrome/chrome' },
    },
  ])('$what → $expected.source', ({ env, expected }) => {
    // Act / Assess
    expect(chooseChromium(env)).toEqual(expected);
  });

  it.each([
    { what: 'EKSFLOW_CHROMIUM=system with none installed', env: { PATH: empty, EKSFLOW_CHROMIUM: 'system' } },
    { what: 'an unknown EKSFLOW_CHROMIUM', env: { PATH: debian, EKSFLOW_CHROMIUM: 'bundled' } },
  ])('$what → an error naming EKSFLOW_CHROMIUM', ({ env }) => {
    // Act / Assess
    expect(() => chooseChromium(env)).toThrow(/EKSFLOW_CHROMIUM/);
  });
});
