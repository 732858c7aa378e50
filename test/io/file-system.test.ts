import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { LgmError, fileSystem, writeFileAtomic } from '../../src/index.js';

await tf.setBackend('cpu');

function tinyModel(seed: number) {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [3],
        units: 2,
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
    ],
  });
}

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgm-io-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const x = tf.tensor2d([[1, 2, 3]]);

test(
  'save then load gives the same weights; a re-save replaces the weights file',
  withDir(async (dir) => {
    const a = tinyModel(1);
    await a.save(fileSystem(dir));
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    assert.deepEqual((loaded.predict(x) as tf.Tensor).arraySync(), (a.predict(x) as tf.Tensor).arraySync());
    await tinyModel(2).save(fileSystem(dir));
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.bin')).length, 1, 'old weights removed');
  }),
);

test(
  'an interrupted save (weights written, model.json not yet) leaves the previous model loadable',
  withDir(async (dir) => {
    const a = tinyModel(1);
    await a.save(fileSystem(dir));
    writeFileSync(join(dir, 'weights-00000000deadbeef.bin'), new Uint8Array(7)); // a crash mid-save
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    assert.deepEqual((loaded.predict(x) as tf.Tensor).arraySync(), (a.predict(x) as tf.Tensor).arraySync());
  }),
);

test(
  'missing, corrupt and truncated files name the file and the problem',
  withDir(async (dir) => {
    await assert.rejects(
      tfl.loadLayersModel(fileSystem(dir)),
      new LgmError(
        `fileSystem.load: ${join(dir, 'model.json')} does not exist (expected a saved model directory)`,
      ),
    );
    await tinyModel(1).save(fileSystem(dir));
    const weights = readdirSync(dir).find((f) => f.endsWith('.bin')) as string;
    truncateSync(join(dir, weights), 10);
    await assert.rejects(
      tfl.loadLayersModel(fileSystem(dir)),
      new LgmError(
        `fileSystem.load: weights in ${dir} have 10 bytes, expected 32 from ${join(dir, 'model.json')} (truncated or corrupt)`,
      ),
    );
    rmSync(join(dir, weights));
    await assert.rejects(
      tfl.loadLayersModel(fileSystem(dir)),
      /fileSystem.load: .*weights-[0-9a-f]+\.bin is missing/,
    );
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
    await assert.rejects(
      tfl.loadLayersModel(fileSystem(dir)),
      /fileSystem.load: .*model.json is not valid JSON/,
    );
    writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
    await assert.rejects(tfl.loadLayersModel(fileSystem(dir)), /model.json has no modelTopology/);
  }),
);

test(
  'writeFileAtomic replaces content whole and leaves no temporary files',
  withDir(async (dir) => {
    const path = join(dir, 'state.json');
    writeFileAtomic(path, '{"a":1}');
    writeFileAtomic(path, '{"a":2}');
    assert.equal(readFileSync(path, 'utf8'), '{"a":2}');
    assert.deepEqual(readdirSync(dir), ['state.json']);
  }),
);
