import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../errors';

/** A spec file as an object: JSON or YAML (YAML is a superset of JSON, so one parser reads both). `-` is stdin. */
export function readSpecFile(file: string, cwd: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`-f: cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new UsageError(`-f: ${file} is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`-f: ${file} must hold one object`);
  return value as Record<string, unknown>;
}
