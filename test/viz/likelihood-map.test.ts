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
  // Class 0's mean is at (6, 0) and the origin is between the classes: log p must be higher at the mean.
  // Plot area: x from 64 to 680-right margin; read positions off the axes via the tick labels' domain [-8, 8].
  const area =
    /<clipPath id="lm-clip"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  assert.ok(area !== null);
  const [ax, ay, aw, ah] = [1, 2, 3, 4].map((i) => Number(area[i]));
  const px = (u: number) => ax + ((u + 8) / 16) * aw;
  const py = (v: number) => ay + ah - ((v + 8) / 16) * ah;
  assert.ok(svg.includes('>\u22128</text>') && svg.includes('>8</text>'), 'axes span [-8, 8]');
  const atMean = colourAt(svg, px(6), py(0));
  const atOrigin = colourAt(svg, px(0), py(0));
  const level = (c: string | undefined) =>
    Array.from({ length: 64 }, (_, i) => viridis(i / 63)).findIndex((v) => v === c);
  assert.ok(level(atMean) > level(atOrigin) + 20, `mean ${atMean} vs origin ${atOrigin}`);
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
