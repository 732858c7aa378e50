/**
 * What every command that writes detection.json must agree on (lgm attack + lgm detect, lgm demo, reproduce):
 * each attack gives `<attack>-all` (the adversarial versions of the correctly classified attacked images) and
 * `<attack>-successful` (the ones it flipped), each against those clean images, and the set's stored features
 * (the likelihood map's red crosses) are those of the successful examples.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attackedRows, successfulRows } from '../../src/attacks/run.js';
import type { DetectionReport } from '../../src/detect/index.js';
import { readAdversarialMeta } from '../../src/run/adversarial.js';

export async function assertAgreedSets(runDir: string, attacks: readonly string[]): Promise<void> {
  const report = JSON.parse(await readFile(join(runDir, 'detection.json'), 'utf8')) as DetectionReport;
  for (const name of attacks) {
    const file = await readAdversarialMeta(runDir, name);
    const rows = (set: string) => report.rows.filter((r) => r.inputSet === set);
    assert.equal(
      rows(`${name}-all`).length > 0,
      attackedRows(file).length > 0,
      `${runDir}: ${name}-all rows`,
    );
    for (const r of rows(`${name}-all`)) {
      assert.equal(r.numClean, attackedRows(file).length, `${name}-all clean`);
      assert.equal(r.numAnomalous, attackedRows(file).length, `${name}-all adversarial`);
    }
    const successful = rows(`${name}-successful`);
    assert.equal(successful.length > 0, successfulRows(file).length > 0, `${name}-successful present`);
    for (const r of successful) {
      assert.equal(r.numClean, attackedRows(file).length, `${name}-successful clean`);
      assert.equal(r.numAnomalous, successfulRows(file).length, `${name}-successful adversarial`);
    }
    assert.ok(!report.rows.some((r) => r.inputSet === name), `${name}: no bare set`);
    assert.equal(file.features?.length, successfulRows(file).length, `${name} features`);
  }
}
