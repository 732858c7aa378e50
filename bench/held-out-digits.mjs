// Learned variances on real digits (docs/reproduce.md, "Learned variances"): runs lgm/examples' heldOutDigits and
// prints one JSON line per epoch (accuracy, likelihood AUROC with digits 8-9 held out, log-variances, likelihood
// term). After `npm run build`:
//   node bench/held-out-digits.mjs [covariance=isotropic] [variancePrior=default|beta] [seed=1] [epochs=8]
import { initBackend } from '../dist/src/index.js';
import { heldOutDigits } from '../dist/src/examples/index.js';

const [covariance = 'isotropic', prior = 'default', seed = '1', epochs = '8'] = process.argv.slice(2);
await initBackend('wasm');
const start = Date.now();
const round = (key, x) => (typeof x === 'number' ? Math.round(x * 1000) / 1000 : x);
await heldOutDigits({
  covariance,
  variancePrior: prior === 'default' ? undefined : Number(prior),
  seed: Number(seed),
  epochs: Number(epochs),
  onEpoch: (r) =>
    console.log(
      JSON.stringify({ covariance, prior, seed: +seed, seconds: (Date.now() - start) / 1000, ...r }, round),
    ),
});
