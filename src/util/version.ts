import { readFileSync } from 'node:fs';

/** The package version, read from package.json next to the built code (dist/src/util -> package root). */
export function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
  return pkg.version;
}
