import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LgmError } from '../util/errors.js';
import { isFsError, writingSync } from './fs-errors.js';

/** The lock file of a run directory (not a run file: a new run may start in a directory holding only it). */
export const LOCK_FILE = 'lgm.lock';
const TAKEOVER = `${LOCK_FILE}.takeover`;
/** A takeover guard older than this was left by a process killed mid-takeover (a takeover takes ms). */
const TAKEOVER_STALE_MS = 30_000;

/** What a lock file holds. */
interface Owner {
  pid: number;
  host: string;
  command: string;
  since: string;
  token: string;
}

/** Locks this process holds (lock-file path to token), removed at exit whatever happens. */
const held = new Map<string, string>();
let exitHook = false;
/**
 * The locks held by the current async call chain: a command run inside another (demo runs attack and detect)
 * reuses its caller's lock, while an unrelated concurrent call in the same process is refused like another
 * process would be.
 */
const chain = new AsyncLocalStorage<ReadonlySet<string>>();

function readOwner(file: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return Number.isInteger(o?.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` is running on this host (EPERM: it exists but belongs to another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isFsError(error) && error.code === 'EPERM';
  }
}

/** Milliseconds since `file` was last written (0 when it is gone). */
function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Creates the lock file exclusively; false when it exists. */
function create(file: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if (isFsError(error) && error.code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeIfOurs(file: string, token: string): void {
  if (readOwner(file)?.token === token) unlinkSync(file);
}

function inUse(where: string, dir: string, file: string, owner: Owner | null): LgmError {
  const who =
    owner === null
      ? 'another process (the lock file is being written)'
      : `pid ${owner.pid} on ${owner.host} (lgm ${owner.command}, since ${owner.since})`;
  return new LgmError(
    `${where}: ${dir} must not be in use by another lgm process, got ${who}; wait for it to finish, ` +
      `or remove ${file} if that process is gone`,
  );
}

/**
 * Takes over the lock of a dead process. Only the holder of the takeover guard (created exclusively) may
 * remove a stale lock, so two processes that both found it stale cannot both take it.
 */
function takeOver(file: string, stale: Owner | null, owner: Owner): boolean {
  const guard = join(file, '..', TAKEOVER);
  const guardOwner = { ...owner, since: new Date().toISOString() };
  if (!create(guard, guardOwner)) {
    if (ageMs(guard) > TAKEOVER_STALE_MS) unlinkSync(guard);
    return false;
  }
  try {
    const now = readOwner(file);
    if (now?.token !== stale?.token || !existsSync(file)) return false;
    unlinkSync(file);
    return create(file, owner);
  } finally {
    removeIfOurs(guard, guardOwner.token);
  }
}

/**
 * Runs `fn` with a run directory locked: an exclusive lock file `<dir>/lgm.lock` (O_EXCL) holding pid, host,
 * command and start time. Another live process's lock (or another concurrent call's in this process) is an
 * error naming it; the lock of a dead process on this host (a SIGKILL, a power loss) is taken over with a note.
 * Locks of other hosts are never taken over (their pid cannot be checked from here). The lock is released
 * however `fn` ends, and at the latest when the process exits. `create` makes the directory (a new run);
 * otherwise it must exist.
 */
export async function withRunLock<T>(
  where: string,
  dir: string,
  options: { create?: boolean; note?: (line: string) => void },
  fn: () => Promise<T>,
): Promise<T> {
  if (options.create === true) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new LgmError(`${where}: ${dir} must be a directory, got a file`);
    }
    writingSync(dir, () => mkdirSync(dir, { recursive: true }));
  } else if (!existsSync(dir)) {
    throw new LgmError(`${where}: run directory ${dir} must exist, got no such directory`);
  }
  const file = join(realpathSync(dir), LOCK_FILE);
  const inherited = chain.getStore();
  if (inherited?.has(file)) return fn();
  const token = acquire(where, dir, file, options.note ?? ((line) => console.log(line)));
  held.set(file, token);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', releaseAll);
  }
  try {
    return await chain.run(new Set([...(inherited ?? []), file]), fn);
  } finally {
    held.delete(file);
    try {
      removeIfOurs(file, token);
    } catch {
      // The directory went away or became unwritable: a dead pid's lock is taken over next time.
    }
  }
}

/** Creates the lock file (or takes over a dead process's); resolves to its token. */
function acquire(where: string, dir: string, file: string, note: (line: string) => void): string {
  const owner: Owner = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(2).join(' ').slice(0, 200),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (writingSync(file, () => create(file, owner))) return owner.token;
    const other = readOwner(file);
    // An unreadable lock is one being written, or one whose writer died between creating and filling it.
    const stale =
      other === null ? ageMs(file) > TAKEOVER_STALE_MS : other.host === owner.host && !alive(other.pid);
    if (!stale) throw inUse(where, dir, file, other);
    if (writingSync(file, () => takeOver(file, other, owner))) {
      const whose =
        other === null ? 'an unreadable lock' : `pid ${other.pid} (no longer running, since ${other.since})`;
      note(`note: took over the stale lock ${file} of ${whose}`);
      return owner.token;
    }
  }
  throw inUse(where, dir, file, readOwner(file));
}

/** Removes every lock this process still holds (process exit, including process.exit after a second Ctrl-C). */
function releaseAll(): void {
  for (const [file, token] of held) {
    try {
      removeIfOurs(file, token);
    } catch {
      // Nothing more can be done at exit.
    }
  }
  held.clear();
}
