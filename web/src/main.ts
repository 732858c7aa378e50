/** Boots the page: backend, data, network; wires controls, plot, drawing pad, FGSM and storage. */
import { COVARIANCE_KINDS, type CovarianceKind } from 'lgm/core';
import { chooseBackend, parseBackend, type BackendChoice } from './backend.js';
import { loadDigitSubset } from './data/subset.js';
import { App, RATE_DIGITS, type AppView } from './app.js';
import type { LossKind, LossWeights } from './model/network.js';
import type { Evaluation } from './model/evaluate.js';
import {
  ModelNotFound,
  TRAINED_MODEL_URL,
  exportFiles,
  importFiles,
  loadFromBrowser,
  loadFromUrl,
  saveToBrowser,
  type Loaded,
} from './model/storage.js';
import { readSettings } from './settings.js';
import { DrawPad } from './ui/draw-pad.js';
import { drawFeaturePlot, type Marker } from './ui/plot.js';
import { paintDigit } from './ui/paint.js';
import { byId, clearAdversarial, clearProbe, showAdversarial, showProbe, showRate } from './ui/probe-view.js';

/** Losses of a fresh network's first batches kept on the page (data-first of #loss-value). */
const FIRST_LOSSES = 3;

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
  // The numbers behind the plot and the flag, for comparisons (the browser tests check them against Node's).
  acc.dataset.threshold = String(evaluation.calibration.threshold);
  acc.dataset.means = evaluation.calibration.mixture.means.flat().join(',');
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

const ACTIONS = [
  'start',
  'reset',
  'trained',
  'test-digit',
  'fgsm',
  'save',
  'load',
  'export',
  'import',
  'open-url',
];

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
      // Full precision for comparisons (the browser tests check it against Node's numbers).
      const loss = byId('loss-value');
      loss.dataset.value = String(stats.loss);
      loss.dataset.batches = String(stats.batches);
      // The first batches' losses of a fresh network (before Adam's updates add up to rounding differences).
      if (stats.batches === 1) loss.dataset.first = '';
      if (stats.batches <= FIRST_LOSSES && loss.dataset.first !== undefined)
        loss.dataset.first += `${stats.batches > 1 ? ',' : ''}${stats.loss}`;
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
    onPaused(batches) {
      byId('start').textContent = 'Start training';
      setStatus('train-status', `Paused after ${batches} batches.`);
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
  const load = wire(ready, data.test);
  // ?model=<url of a model.json>: open an lgm export (or a saved app model) at once.
  const url = params.get('model');
  if (url !== null) await guarded('model-status', () => load(() => loadFromUrl(url), `from ${url}`));
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

type LoadAction = (loader: () => Promise<Loaded>, from: string) => Promise<void>;

function wire(app: App, test: { images: Uint8Array; count: number }): LoadAction {
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
  return wireStorage(app);
}

/** Shows what an lgm export does on the test digits, through lgm's loader (the numbers Node gives too). */
async function showExportCheck(app: App, loaded: Loaded): Promise<void> {
  const out = byId('export-check');
  if (loaded.exported === null) {
    out.textContent = '';
    delete out.dataset.accuracy;
    return;
  }
  const check = await app.checkExport(loaded.exported);
  const meta = loaded.exported.metadata;
  out.dataset.accuracy = String(check.accuracy);
  out.dataset.flagged = String(check.flagged);
  out.dataset.count = String(check.count);
  out.dataset.classes = check.classes.join(',');
  out.dataset.scores = check.scores.join(',');
  const score = meta.head === 'lgm' ? 'log-likelihood' : 'log max softmax';
  out.textContent =
    `lgm export (${meta.head}, trained in Node for ${meta.source.step ?? '?'} steps): on the first ${check.count} ` +
    `test digits ${(100 * check.accuracy).toFixed(1)}% correct; ${check.flagged} flagged at its own threshold ` +
    `(${score} < ${fixed(meta.threshold, 2)}, ${(100 * meta.flagRate).toFixed(0)}% of its ` +
    `${meta.calibration.images} training digits). The page recalibrates on its validation digits as it trains.`;
}

function wireStorage(app: App): LoadAction {
  const afterLoad = async (loaded: Loaded, from: string) => {
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
    await showExportCheck(app, loaded);
  };
  const load: LoadAction = async (loader, from) => afterLoad(await loader(), from);
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
  byId('trained').addEventListener('click', () =>
    guarded('train-status', async () => {
      try {
        await load(() => loadFromUrl(TRAINED_MODEL_URL), 'the trained 2-D L-GM model');
      } catch (error) {
        if (!(error instanceof ModelNotFound)) throw error;
        throw new Error(
          'The trained model is not shipped with this build (pretrained/mnist-lgm-2d was not there when the ' +
            'app was built). Train from scratch here, or make one in Node (lgm export --run <run> --out <dir>) ' +
            'and open it with "Import files".',
        );
      }
      setStatus(
        'train-status',
        'Started from the trained model: draw a digit and press FGSM, or keep training.',
      );
    }),
  );
  byId('open-url').addEventListener('click', () =>
    guarded('model-status', async () => {
      const url = byId<HTMLInputElement>('model-url').value.trim();
      if (url === '') throw new Error('Open: type the URL of a model.json first');
      await load(() => loadFromUrl(url), `from ${url}`);
    }),
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
  return load;
}

boot().catch((error: unknown) => {
  const banner = byId('backend');
  banner.className = 'banner error';
  banner.textContent = `The app could not start: ${message(error)}`;
});
