import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'scripts', 'setup.sh');

test('npm run setup --check reports the system packages and the install steps, installing nothing', () => {
  const r = spawnSync('bash', [script, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^setup: (system packages present|would install|cannot install)/);
  assert.match(r.stdout, /setup: would run npm ci --no-audit --no-fund, then npm run build\n$/);
});

test('without apt-get or root it says exactly what to install', () => {
  // A PATH where every package is missing (dpkg -s fails) and neither apt-get nor sudo exists.
  const bin = mkdtempSync(join(tmpdir(), 'lgm-setup-'));
  try {
    writeFileSync(join(bin, 'dpkg'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    for (const tool of ['dirname', 'id']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = spawnSync('/bin/bash', [script, '--check'], { encoding: 'utf8', env: { PATH: bin } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /setup: cannot install g\+\+ make python3 libdnnl-dev here \(needs apt-get and root or passwordless sudo\); run: sudo apt-get install -y --no-install-recommends g\+\+ make python3 libdnnl-dev\n/,
    );
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
