/**
 * Command-line flags of the bench/ scripts: node's parseArgs, then each value checked, a wrong one answered with
 * `<script>: --<flag> must be ..., got '<value>'` and exit status 2 (no stack trace).
 */
import { parseArgs } from 'node:util';

/** The CIFAR ResNets and LeNet++, as `lgm bench train` names them. */
export const BENCH_NETS = ['lenetpp', 'resnet20', 'resnet32', 'resnet56', 'resnet110'];

/** Parses `options` (parseArgs's, every value a string or boolean) and returns the checkers bound to the values. */
export function benchArgs(script, options) {
  const fail = (message) => {
    process.stderr.write(`${script}: ${message}\n`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({ options }));
  } catch (error) {
    fail(error.message);
  }
  return {
    values,
    fail,
    /** The flag as an integer >= 1. */
    positive(name) {
      const n = Number(values[name]);
      if (!Number.isInteger(n) || n < 1) fail(`--${name} must be an integer >= 1, got '${values[name]}'`);
      return n;
    },
    /** The flag as a non-empty comma-separated list of `allowed` names. */
    list(name, allowed) {
      const items = values[name].split(',').filter((s) => s !== '');
      if (items.length === 0 || items.some((s) => !allowed.includes(s))) {
        fail(`--${name} must be a list of ${allowed.join(', ')}, got '${values[name]}'`);
      }
      return items;
    },
  };
}
