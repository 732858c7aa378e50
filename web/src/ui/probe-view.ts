/** Renders what the model says about the drawn input and its FGSM version. */
import type { Calibration, Probe } from '../model/evaluate.js';
import type { FgsmRate } from '../model/fgsm-rate.js';

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page: element #${id} is missing`);
  return element as T;
}

/** Fills the prediction, likelihood, flag and posterior bars. */
export function showProbe(probe: Probe, calibration: Calibration): void {
  const prediction = byId('prediction');
  prediction.textContent = `Prediction: ${probe.predicted} (posterior ${percent(probe.posterior[probe.predicted])})`;
  prediction.dataset.class = String(probe.predicted);
  byId('likelihood').textContent =
    `Log-likelihood of its feature: ${probe.logLikelihood.toFixed(2)} ` +
    `(threshold ${calibration.threshold.toFixed(2)}, flags ${percent(calibration.flagRate)} of validation digits)`;
  const flag = byId('flag');
  flag.hidden = false;
  flag.className = `flag ${probe.unfamiliar ? 'unfamiliar' : 'familiar'}`;
  flag.textContent = probe.unfamiliar ? '⚠ Unfamiliar input' : '✓ Familiar input';
  flag.dataset.unfamiliar = String(probe.unfamiliar);
  const list = byId('posterior');
  list.replaceChildren(
    ...probe.posterior.map((p, k) => {
      const item = document.createElement('li');
      const label = document.createElement('span');
      label.textContent = String(k);
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = percent(p);
      bar.setAttribute('aria-hidden', 'true');
      const value = document.createElement('span');
      value.textContent = percent(p);
      item.append(label, bar, value);
      return item;
    }),
  );
}

/** Clears the probe area (nothing drawn). */
export function clearProbe(): void {
  const prediction = byId('prediction');
  prediction.textContent = 'Draw a digit (or use a test digit) to see what the model says.';
  delete prediction.dataset.class;
  byId('likelihood').textContent = '';
  byId('flag').hidden = true;
  byId('posterior').replaceChildren();
  clearAdversarial();
}

/** Clears the FGSM image and result: they belonged to the previous input. */
export function clearAdversarial(): void {
  const result = byId('fgsm-result');
  result.textContent = '';
  delete result.dataset.unfamiliar;
  const canvas = byId<HTMLCanvasElement>('adv');
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}

/** Describes the FGSM result next to the adversarial image. */
export function showAdversarial(
  clean: Probe,
  adversarial: Probe,
  eps: number,
  calibration: Calibration,
): void {
  const changed = clean.predicted !== adversarial.predicted;
  const result = byId('fgsm-result');
  result.textContent =
    `FGSM with ε = ${eps}: prediction ${clean.predicted} → ${adversarial.predicted}` +
    `${changed ? '' : ' (unchanged)'}; log-likelihood ${clean.logLikelihood.toFixed(2)} → ` +
    `${adversarial.logLikelihood.toFixed(2)} (threshold ${calibration.threshold.toFixed(2)}): ` +
    (adversarial.unfamiliar ? 'the unfamiliar-input flag fires.' : 'the flag does not fire.');
  result.dataset.unfamiliar = String(adversarial.unfamiliar);
}

/** The FGSM flag rate on test digits, or nothing (null: not measured for this network yet). */
export function showRate(rate: FgsmRate | null, batches: number): void {
  const element = byId('fgsm-rate');
  if (rate === null) {
    element.textContent = '';
    delete element.dataset.flagged;
    delete element.dataset.cleanFlagged;
    return;
  }
  element.textContent =
    `On ${rate.count} test digits after ${batches} batches, FGSM with ε = ${rate.eps} changed ` +
    `${percent(rate.changed)} of the predictions and the flag fires on ${percent(rate.flagged)} of the ` +
    `adversarial images; the same digits unattacked: ${percent(rate.cleanFlagged)} flagged.`;
  element.dataset.flagged = String(rate.flagged);
  element.dataset.cleanFlagged = String(rate.cleanFlagged);
  element.dataset.changed = String(rate.changed);
}

export { byId };
