// Builds the optional native kernels at `npm install` time (package.json "install" script).
// Never fails the install: when the compiler, oneDNN or node-gyp is missing it prints one line saying so and how
// to enable the kernels, and lgm trains on the wasm backend. `--required` (npm run build:native) fails instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const required = process.argv.includes('--required');
const logPath = join(here, 'build.log');
const enable =
  'to enable: install g++, make and libdnnl-dev (bash .ci/install-native.sh on Debian/Ubuntu), then `npm rebuild lgm`';

function finish(ok, message) {
  console.log(`lgm: ${message}`);
  if (!ok && required) {
    if (existsSync(logPath)) console.error(readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n'));
    process.exit(1);
  }
  process.exit(0);
}

/** npm's own node-gyp (npm sets npm_config_node_gyp for scripts), else the one bundled beside node. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    resolve(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally: the candidates above remain
  }
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

/** Why a build failed, in a few words, from what is missing on this machine. */
function diagnose() {
  const cxx = process.env.CXX ?? 'c++';
  if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) return `no C++ compiler (${cxx})`;
  if (spawnSync('make', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no make';
  const probe = spawnSync(cxx, ['-x', 'c++', '-E', '-'], { input: '#include <oneapi/dnnl/dnnl.hpp>\n' });
  if (probe.status !== 0) return 'oneDNN headers not found (libdnnl-dev)';
  return `compilation failed, see ${logPath}`;
}

if (['0', 'off', 'false'].includes((process.env.LGM_NATIVE_BUILD ?? '').toLowerCase())) {
  finish(
    true,
    `native kernels skipped (LGM_NATIVE_BUILD=${process.env.LGM_NATIVE_BUILD}); training uses wasm`,
  );
}
const nodeGyp = findNodeGyp();
if (nodeGyp === undefined)
  finish(false, `native kernels not built (node-gyp not found); training uses wasm; ${enable}`);

// Node's headers ship beside the binary (<prefix>/include/node); using them avoids node-gyp's header download.
const nodeDir = resolve(dirname(process.execPath), '..');
const args = [nodeGyp, 'rebuild'];
if (existsSync(join(nodeDir, 'include/node/node_api.h'))) args.push(`--nodedir=${nodeDir}`);
mkdirSync(here, { recursive: true });
const log = openSync(logPath, 'w');
const build = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', log, log] });
closeSync(log);
if (build.status !== 0)
  finish(false, `native kernels not built (${diagnose()}); training uses wasm; ${enable}`);

// Load it in a child process: a library missing at run time shows here rather than at first use.
const addonPath = join(here, 'build/Release/lgm_native.node');
const check = spawnSync(
  process.execPath,
  ['-e', `console.log(require(${JSON.stringify(addonPath)}).version())`],
  {
    encoding: 'utf8',
  },
);
if (check.status !== 0) {
  const why = (check.stderr.split('\n').find((l) => l.includes('Error')) ?? 'load failed').trim();
  finish(false, `native kernels built but do not load (${why}); training uses wasm; ${enable}`);
}
finish(true, `native kernels built (${check.stdout.trim()}); LGM_NATIVE=0 turns them off`);
