/**
 * Exit 0 when a reproduction's progress.json reports every model (a `report/<model>` stage for each), else 1:
 * the one test of "this group is finished" for bench/reproduce-seeds.sh (which skips such groups) and
 * bench/save-resume-state.sh (which packs the others). The models are the given comma-separated list, or by
 * default every model of the plan.
 *   node bench/group-finished.mjs <progress.json> [model,model,...]
 */
import { readFileSync } from 'node:fs';

const [file, list] = process.argv.slice(2);
let finished = false;
try {
  const progress = JSON.parse(readFileSync(file, 'utf8'));
  const models = list === undefined ? Object.keys(progress.plan?.configs ?? {}) : list.split(',');
  finished = models.length > 0 && models.every((m) => progress.stages?.[`report/${m}`] !== undefined);
} catch {
  finished = false; // no progress.json yet, or one being written: not finished
}
process.exit(finished ? 0 : 1);
