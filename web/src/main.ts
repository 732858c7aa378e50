/** Boots the page: backend, data, network; wires controls, plot, drawing pad, FGSM and storage. */
import { COVARIANCE_KINDS, type CovarianceKind } from '../../src/gm/params.js';
import { chooseBackend, parseBackend, type BackendChoice } from './backend.js';
import { loadDigitSubset } from './data/subset.js';
import { App, RATE_DIGITS, type AppView } from './app.js';
import type { LossKind, LossWeights } from './model/network.js';
import type { Evaluation } from './model/evaluate.js';
import { exportFiles, importFiles, loadFromBrowser, saveToBrowser } from './model/storage.js';
import { readSettings } from './settings.js';
import { DrawPad } from './ui/drawPad.js';
import { drawFeaturePlot, type Marker } from './ui/plot.js';
import { paintDigit } from './ui/paint.js';
import { byId, clearAdversarial, clearProbe, showAdversarial, showProbe, showRate } from './ui/probeView.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

function setStatus(id: string, text: string): void {
  byId(id).textContent = text;
}

const BACKEND_NAMES = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'plain JavaScript' };

function describeBackend(choice: BackendChoice): void {
  const banner = byId('backend');
  banner.dataset.backend = choice.name;
  const name = BACKEND_NAMES[choice.name];
  const why = choice.skipped.length > 0 ? ` Not used: ${choice.skipped.join('; ')}.` : '';
  if (choice.fast) {
    banner.className = 'banner';
    banner.textContent = `Backend: ${name} on the GPU.${why}`;
    return;
  }
  banner.className = 'banner warn';
  const where =
    choice.name === 'webgpu' || choice.name === 'webgl'
      ? `${name} emulated in software on the CPU`
      : `${name} on the CPU`;
  banner.textContent =
    `No fast (GPU) backend is available: training runs with ${where}, ` +
    `expect tens of images per second rather than thousands.${why}`;
}

function readWeights(): LossWeights {
  const read = (id: string) => {
    const input = byId<HTMLInputElement>(id);
    const value = Number(input.value);
    const ok = input.value !== '' && Number.isFinite(value) && value >= 0;
    input.setAttribute('aria-invalid', String(!ok));
    return ok ? value : 0;
  };
  return { alpha: read('alpha'), lambda: read('lambda') };
}

function readSpec(): { loss: LossKind; covariance: CovarianceKind } {
  const loss = byId<HTMLSelectElement>('loss').value === 'softmax' ? 'softmax' : 'lgm';
  const chosen = byId<HTMLSelectElement>('covariance').value;
  const covariance = COVARIANCE_KINDS.find((k) => k === chosen) ?? 'isotropic';
  return { loss, covariance };
}

function showEvaluation(evaluation: Evaluation, batches: number): void {
  const acc = byId<HTMLOutputElement>('val-acc');
  acc.textContent = `${(100 * evaluation.accuracy).toFixed(1)}%`;
  acc.dataset.value = String(evaluation.accuracy);
  acc.dataset.batches = String(batches);
  const origin =
    evaluation.calibration.mixture.origin === 'trained' ? 'the L-GM head' : 'fitted to softmax features';
  byId('plot-summary').textContent =
    `After ${batches} batches: ${evaluation.labels.length} validation digits, accuracy ` +
    `${(100 * evaluation.accuracy).toFixed(1)}%; Gaussians from ${origin}.`;
}

function markers(app: App): Marker[] {
  const out: Marker[] = [];
  if (app.input !== null)
    out.push({ x: app.input.result.feature[0], y: app.input.result.feature[1], label: 'you', shape: 'star' });
  if (app.adversarial !== null) {
    const [x, y] = app.adversarial.result.feature;
    out.push({ x, y, label: 'FGSM', shape: 'cross' });
  }
  return out;
}

function redrawPlot(app: App): void {
  if (app.evaluation === null) return;
  const canvas = byId<HTMLCanvasElement>('plot');
  drawFeaturePlot(canvas, {
    features: app.evaluation.features,
    labels: app.evaluation.labels,
    mixture: app.calibration?.mixture ?? app.evaluation.calibration.mixture,
    markers: markers(app),
  });
  canvas.dataset.redraws = String(Number(canvas.dataset.redraws ?? '0') + 1);
}

function setBusy(ids: string[], busy: boolean): void {
  for (const id of ids) byId<HTMLButtonElement | HTMLInputElement>(id).disabled = busy;
}

const ACTIONS = ['start', 'reset', 'test-digit', 'fgsm', 'save', 'load', 'export', 'import'];

async function boot(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const backend = await chooseBackend(parseBackend(params.get('backend')));
  describeBackend(backend);
  const settings = readSettings(params, backend.fast);
  setStatus('train-status', 'Loading the MNIST subset…');
  const data = await loadDigitSubset();
  let app: App | null = null;
  const view: AppView = {
    lossWeights: readWeights,
    onStep(stats) {
      setStatus('batches', String(stats.batches));
      setStatus('loss-value', fixed(stats.loss, 3));
      setStatus('train-acc', `${(100 * stats.trainAccuracy).toFixed(1)}%`);
      setStatus('ips', stats.imagesPerSecond.toFixed(0));
    },
    onEvaluation(evaluation, batches) {
      showEvaluation(evaluation, batches);
      if (app !== null) redrawPlot(app);
    },
    onProbe(input, adversarial) {
      if (app === null || app.calibration === null) return;
      if (input === null) clearProbe();
      else showProbe(input, app.calibration);
      if (input !== null && adversarial !== null) {
        showAdversarial(input, adversarial, app.adversarialEps, app.calibration);
      } else if (input !== null) {
        clearAdversarial();
      }
      redrawPlot(app);
    },
    onRate: showRate,
    onError(error) {
      setStatus('train-status', `Training stopped: ${message(error)}`);
      byId('start').textContent = 'Start training';
    },
  };
  app = new App(data, settings, view, readSpec());
  const ready = app;
  setStatus('train-status', 'Evaluating the untrained network…');
  await ready.refresh();
  setStatus('batches', String(ready.batches));
  setStatus(
    'train-status',
    `Ready: ${data.train.count} training digits, batches of ${settings.batchSize}, plot every ${settings.evalEvery} batches.`,
  );
  setBusy(ACTIONS, false);
  wire(ready, data.test);
}

/** Runs an action with the other actions disabled, reporting failures in `statusId`. */
async function guarded(statusId: string, action: () => Promise<void>, keep: string[] = []): Promise<void> {
  const others = ACTIONS.filter((id) => !keep.includes(id));
  setBusy(others, true);
  try {
    await action();
  } catch (error) {
    setStatus(statusId, message(error));
  } finally {
    setBusy(others, false);
  }
}

function wire(app: App, test: { images: Uint8Array; count: number }): void {
  const start = byId<HTMLButtonElement>('start');
  start.addEventListener('click', () => {
    if (app.running) {
      start.disabled = true;
      setStatus('train-status', 'Pausing after this batch…');
      void guarded('train-status', async () => {
        await app.pause();
        start.textContent = 'Start training';
        setStatus('train-status', `Paused after ${app.batches} batches.`);
      });
    } else {
      app.start();
      start.textContent = 'Pause';
      setStatus('train-status', 'Training…');
    }
  });
  byId('reset').addEventListener('click', () =>
    guarded('train-status', async () => {
      await app.reset(readSpec());
      start.textContent = 'Start training';
      setStatus('batches', '0');
      setStatus('train-status', `New ${readSpec().loss === 'lgm' ? 'L-GM' : 'softmax'} network, untrained.`);
    }),
  );
  const pad = new DrawPad(byId<HTMLCanvasElement>('pad'), () => {
    void guarded('train-status', () => app.setInput(pad.input()), ['start']);
  });
  byId('clear').addEventListener('click', () => {
    pad.clear();
    void app.setInput(null);
  });
  let nextTest = 0;
  byId('test-digit').addEventListener('click', () => {
    const i = nextTest++ % test.count;
    pad.showDigit(Float32Array.from(test.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
  });
  byId('fgsm').addEventListener('click', () =>
    guarded(
      'fgsm-result',
      async () => {
        const eps = Number(byId<HTMLInputElement>('eps').value);
        if (app.input !== null) {
          setStatus('fgsm-rate', `Measuring how often the flag fires on ${RATE_DIGITS} test digits…`);
        }
        const adversarial = await app.attack(eps);
        paintDigit(byId<HTMLCanvasElement>('adv'), adversarial.pixels);
      },
      ['start'],
    ),
  );
  wireStorage(app);
}

function wireStorage(app: App): void {
  const afterLoad = async (loaded: Awaited<ReturnType<typeof loadFromBrowser>>, from: string) => {
    await app.replace(loaded.net, loaded.state);
    byId<HTMLSelectElement>('loss').value = loaded.net.loss;
    byId<HTMLSelectElement>('covariance').value = loaded.net.covariance ?? 'isotropic';
    byId<HTMLInputElement>('alpha').value = String(loaded.state.weights.alpha);
    byId<HTMLInputElement>('lambda').value = String(loaded.state.weights.lambda);
    byId('start').textContent = 'Start training';
    setStatus('batches', String(app.batches));
    setStatus(
      'model-status',
      `Loaded ${from}: ${loaded.net.loss} network after ${loaded.state.batches} batches.`,
    );
  };
  byId('save').addEventListener('click', () =>
    guarded('model-status', async () => {
      if (app.running) await app.pause();
      await saveToBrowser(app.net, app.savedState());
      setStatus('model-status', `Saved in this browser (IndexedDB) after ${app.batches} batches.`);
    }),
  );
  byId('load').addEventListener('click', () =>
    guarded('model-status', async () => afterLoad(await loadFromBrowser(), 'from this browser')),
  );
  byId('export').addEventListener('click', () =>
    guarded('model-status', async () => {
      if (app.running) await app.pause();
      await exportFiles(app.net, app.savedState());
      setStatus('model-status', 'Exported lgm-web-model.json and lgm-web-model.weights.bin.');
    }),
  );
  const fileInput = byId<HTMLInputElement>('import');
  fileInput.addEventListener('change', () =>
    guarded('model-status', async () => {
      const files = Array.from(fileInput.files ?? []);
      fileInput.value = '';
      await afterLoad(await importFiles(files), `from ${files.map((f) => f.name).join(' + ')}`);
    }),
  );
}

boot().catch((error: unknown) => {
  const banner = byId('backend');
  banner.className = 'banner error';
  banner.textContent = `The app could not start: ${message(error)}`;
});
