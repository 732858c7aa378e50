import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featurePlot } from '../../src/viz/feature-plot.js';
import { thinned } from '../../src/viz/plane-frame.js';
import { figureSvg, sideBySide, svgToPng } from '../../src/viz/render.js';
import { syntheticRun } from './fixtures.js';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

test('feature plot draws every point, 1- and 2-sigma ellipses per class, the means and a full legend', () => {
  const { run, mixture } = syntheticRun(1, { n: 200, k: 10 });
  const svg = figureSvg(featurePlot(run, mixture, { title: 'L-GM <diag>' }));
  assert.equal(count(svg, /class="sigma-ellipse"/g), 20);
  assert.equal(count(svg, /class="class-mean"/g), 10);
  assert.equal(count(svg, /class="class-points"/g), 10);
  assert.equal(count(svg, /<circle cx=/g), 200 + 10, 'points plus legend swatches');
  assert.equal(count(svg, /class="legend-entry"/g), 13);
  for (const label of ['class 0', 'class 9', 'learned mean', '1\u03c3 ellipse', '2\u03c3 ellipse']) {
    assert.ok(svg.includes(`>${label}</text>`), label);
  }
  assert.ok(svg.includes('>L-GM &lt;diag&gt;</text>'), 'title is escaped');
  assert.ok(svg.includes('>feature 1</text>') && svg.includes('>feature 2</text>'));
  assert.ok(!svg.includes('PCA'));
});

test('a softmax run (no mixture) has points and class legend only; D > 2 says PCA on the plot', () => {
  const { run } = syntheticRun(2, { n: 120, k: 4, dim: 6 });
  const svg = figureSvg(featurePlot(run, null));
  assert.equal(count(svg, /class="sigma-ellipse"/g), 0);
  assert.equal(count(svg, /class="class-mean"/g), 0);
  assert.equal(count(svg, /class="legend-entry"/g), 4);
  assert.ok(svg.includes('>PCA projection of 6-D features</text>'));
  assert.match(svg, />PC 1 \(\d+\.\d% of variance\)</);
});

test('isotropic and identity mixtures draw their ellipses; maxPoints thins and says so', () => {
  for (const covariance of ['isotropic', 'identity'] as const) {
    const { run, mixture } = syntheticRun(3, { n: 90, k: 3, dim: 3, covariance });
    const svg = figureSvg(featurePlot(run, mixture, { maxPoints: 30 }));
    assert.equal(count(svg, /class="sigma-ellipse"/g), 6, covariance);
    assert.equal(count(svg, /<circle cx=/g), 30 + 3);
    assert.ok(svg.includes('>30 of 90 points shown</text>'));
  }
});

test('same input gives the same SVG and PNG bytes', () => {
  const a = syntheticRun(5, { n: 150, k: 5 });
  const b = syntheticRun(5, { n: 150, k: 5 });
  const svgA = figureSvg(featurePlot(a.run, a.mixture));
  const svgB = figureSvg(featurePlot(b.run, b.mixture));
  assert.equal(svgA, svgB);
  const pngA = svgToPng(svgA);
  assert.deepEqual(pngA.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.equal(pngA.readUInt32BE(16), 640, 'PNG width');
  assert.equal(pngA.readUInt32BE(20), 560, 'PNG height');
  assert.ok(pngA.equals(svgToPng(svgB)));
});

test('a side-by-side panel places the plots next to each other with distinct clip ids', () => {
  const { run, mixture } = syntheticRun(6, { n: 60, k: 3 });
  const panel = sideBySide([
    featurePlot(run, mixture, { idPrefix: 'a' }),
    featurePlot(run, null, { idPrefix: 'b', width: 500 }),
  ]);
  assert.equal(panel.width, 1140);
  const svg = figureSvg(panel);
  assert.ok(svg.includes('<g transform="translate(640,0)">'));
  assert.ok(svg.includes('id="a-clip"') && svg.includes('id="b-clip"'));
  assert.throws(() => sideBySide([]), /sideBySide: figures must be a non-empty array, got none/);
});

test('feature plot rejects unknown options, bad sizes and a mixture of the wrong shape', () => {
  const { run, mixture } = syntheticRun(7, { n: 30, k: 3 });
  assert.throws(
    () => featurePlot(run, mixture, { colour: 'red' } as never),
    /featurePlot: unknown option 'colour', expected one of title, width/,
  );
  assert.throws(
    () => featurePlot(run, mixture, { width: 10 }),
    /featurePlot: options.width must be a finite number in \[240, 4000\], got number 10/,
  );
  const other = syntheticRun(7, { n: 30, k: 4 }).mixture;
  assert.throws(
    () => featurePlot(run, other),
    /featurePlot: mixture means must be \[3, 2\] to match the features, got \[4, 2\]/,
  );
});

test('thinning keeps a seeded sample that does not alias with class-ordered data', () => {
  const keep = thinned(1000, 100, 0);
  assert.equal(keep.length, 100);
  assert.equal(new Set(keep).size, 100);
  assert.deepEqual(
    keep,
    [...keep].sort((a, b) => a - b),
  );
  assert.equal(new Set(keep.map((i) => i % 10)).size, 10, 'all 10 interleaved classes are represented');
  assert.deepEqual(thinned(1000, 100, 0), keep);
  assert.notDeepEqual(thinned(1000, 100, 1), keep);
  assert.deepEqual(thinned(5, 100, 0), [0, 1, 2, 3, 4]);
});

test('axes have equal aspect: an identity Gaussian is drawn as a circle', () => {
  const { run, mixture } = syntheticRun(8, { n: 60, k: 3, covariance: 'identity' });
  // Squash the features vertically so the data extent is far from square.
  const flat = { ...run, features: run.features.map(([x, y]) => [3 * x, 0.2 * y]) };
  const flatMixture = { ...mixture, means: mixture.means.map(([x, y]) => [3 * x, 0.2 * y]) };
  const svg = figureSvg(featurePlot(flat, flatMixture, { width: 900, height: 400 }));
  const radii = [
    ...svg.matchAll(/class="sigma-ellipse" cx="[\d.]+" cy="[\d.]+" rx="([\d.]+)" ry="([\d.]+)"/g),
  ];
  assert.equal(radii.length, 6);
  for (const [, rx, ry] of radii) assert.ok(Math.abs(Number(rx) - Number(ry)) < 0.02, `rx ${rx} ry ${ry}`);
});

test('plots validate runs and mixtures passed in directly', () => {
  const { run, mixture } = syntheticRun(9, { n: 30, k: 3 });
  assert.throws(
    () => featurePlot({ ...run, labels: run.labels.map((l) => l + 1) }, null),
    /featurePlot: labels\[2\] must be an integer in \[0, 3\), got number 3/,
  );
  assert.throws(
    () => featurePlot(run, { ...mixture, logVariances: null }),
    /featurePlot mixture: logVariances must be an array of 3 rows, got null/,
  );
});

test('PNG rendering draws text with the bundled font (resvg drops text silently when no font matches)', () => {
  const doc = (text: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20" font-family="DejaVu Sans">` +
    `<rect width="80" height="20" fill="#ffffff"/><text x="2" y="15" font-size="12">${text}</text></svg>`;
  assert.ok(!svgToPng(doc('class 0')).equals(svgToPng(doc(''))));
  assert.ok(!svgToPng(doc('class 0')).equals(svgToPng(doc('class 1'))));
});
