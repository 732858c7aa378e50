import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { likelihoodMap } from '../../src/viz/likelihood-map.js';
import { viridis } from '../../src/viz/palette.js';
import { figureSvg } from '../../src/viz/render.js';
import { syntheticRun } from './fixtures.js';

before(async () => {
  await tf.setBackend('cpu');
});

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

/** The heat-map colour of the cell under pixel (x, y): the last merged rect that covers it. */
function colourAt(svg: string, x: number, y: number): string | undefined {
  const heat = svg.slice(
    svg.indexOf('class="heat-map"'),
    svg.indexOf('</g>', svg.indexOf('class="heat-map"')),
  );
  let found: string | undefined;
  for (const m of heat.matchAll(
    /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})"/g,
  )) {
    const [rx, ry, rw, rh] = [1, 2, 3, 4].map((i) => Number(m[i]));
    if (x >= rx && x < rx + rw - 0.5 && y >= ry && y < ry + rh - 0.5) found = m[5];
  }
  return found;
}

test('likelihood map: heat map brightest at the class means, clean and adversarial overlays, no leaks', () => {
  const { run, mixture } = syntheticRun(11, { n: 200, k: 4, covariance: 'isotropic' });
  const adversarial = [
    [0, 0],
    [0.5, -0.5],
    [-0.3, 0.2],
  ];
  const before = tf.memory().numTensors;
  const figure = likelihoodMap(run, mixture, adversarial, { resolution: 40 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  const svg = figureSvg(figure);
  assert.ok(count(svg, /class="heat-map"/g) === 1);
  assert.equal(count(svg, /<circle cx=/g), 200 + 1, 'clean points plus the legend swatch');
  const advGroup = svg.slice(svg.indexOf('class="adversarial-points"'));
  assert.equal(count(advGroup.slice(0, advGroup.indexOf('</g>')), /<path /g), 3);
  for (const label of ['clean', 'adversarial', 'log p(x)'])
    assert.ok(svg.includes(`>${label}</text>`), label);
  assert.ok(
    svg.includes(`fill="${viridis(1)}"`) && svg.includes(`fill="${viridis(0)}"`),
    'full colour range',
  );
  // The adversarial points sit between the classes, the clean ones on them: the heat map must be darker
  // under every adversarial cross than under the median clean point.
  const level = (c: string | undefined) =>
    Array.from({ length: 64 }, (_, i) => viridis(i / 63)).indexOf(c ?? '');
  const cleanGroup = svg.slice(svg.indexOf('class="clean-points"'));
  const cleanLevels = [
    ...cleanGroup.slice(0, cleanGroup.indexOf('</g>')).matchAll(/cx="([\d.]+)" cy="([\d.]+)"/g),
  ]
    .map((m) => level(colourAt(svg, Number(m[1]), Number(m[2]))))
    .sort((a, b) => a - b);
  assert.equal(cleanLevels.length, 200);
  assert.ok(cleanLevels[0] >= 0, 'every clean point lies on a heat-map cell');
  const advLevels = [...advGroup.matchAll(/<path d="M([\d.]+),([\d.]+)L/g)]
    .slice(0, 3)
    .map((m) => level(colourAt(svg, Number(m[1]) + 3.5, Number(m[2]) + 3.5)));
  const median = cleanLevels[100];
  for (const l of advLevels)
    assert.ok(l >= 0 && l + 20 < median, `adversarial ${l} vs clean median ${median}`);
});

test('likelihood map is byte-identical for the same input and says PCA slice for D > 2', () => {
  const { run, mixture } = syntheticRun(12, { n: 100, k: 3, dim: 4 });
  const a = figureSvg(likelihoodMap(run, mixture, null, { resolution: 20 }));
  const b = figureSvg(likelihoodMap(run, mixture, null, { resolution: 20 }));
  assert.equal(a, b);
  assert.ok(a.includes('>slice through the PCA plane of 4-D features</text>'));
  assert.ok(!a.includes('>adversarial</text>'), 'no adversarial legend entry without adversarial points');
});

test('likelihood map rejects bad adversarial rows and options', () => {
  const { run, mixture } = syntheticRun(13, { n: 30, k: 3 });
  assert.throws(
    () => likelihoodMap(run, mixture, [[1, 2, 3]]),
    /likelihoodMap: adversarial\[0\] must be 2 finite numbers, got another row/,
  );
  assert.throws(
    () => likelihoodMap(run, mixture, null, { resolution: 5 }),
    /likelihoodMap: options.resolution must be an integer in \[10, 400\], got number 5/,
  );
  assert.throws(() => likelihoodMap(run, mixture, null, { grid: 3 } as never), /unknown option 'grid'/);
});
