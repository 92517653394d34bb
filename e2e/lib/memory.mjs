// What the whole browser holds in memory, as the operating system counts it: the sum over every Chromium process
// (browser, renderer with its workers, GPU, utility, crash handler) of PSS from /proc/<pid>/smaps_rollup, and RSS.
// PSS divides shared pages among the processes that map them, so the sum does not count Chromium's binary once
// per process as an RSS sum does. Linux only. Used by the scale spec and `npm run bench:scale`.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export const MB = 1024 * 1024;

/** Parent pid of every process, read from /proc/<pid>/stat. */
function parentsByPid() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return parents;
}

function isChromium(pid) {
  try {
    return /chrom/i.test(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return false;
    }
  }
}

/** The Chromium processes below `rootPid` (Playwright launches the browser as a child of this Node process). */
export function chromiumPids(rootPid = process.pid) {
  const parents = parentsByPid();
  const children = new Map();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (isChromium(pid)) found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** { pss, rss } in bytes of one process; null once it has gone. */
export function processMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
    return { pss: kb('Pss'), rss: kb('Rss') };
  } catch {
    return null;
  }
}

/** One sample: { t (ms, Date.now()), pss, rss (bytes, summed), processes }. */
export function sampleBrowserMemory(rootPid = process.pid) {
  let pss = 0;
  let rss = 0;
  let processes = 0;
  for (const pid of chromiumPids(rootPid)) {
    const m = processMemory(pid);
    if (!m) continue;
    pss += m.pss;
    rss += m.rss;
    processes += 1;
  }
  return { t: Date.now(), pss, rss, processes };
}

const toMB = (bytes) => Math.round(bytes / MB);

/**
 * Samples the browser's memory every `intervalMs` from now until stop(). Phases mark spans of the run:
 * `const p = poller.phase('import'); ...; const r = await p.end()` gives the phase's peak and, after waiting for
 * memory to settle, its settled value (both in bytes; `aboveBaseline` subtracts `poller.baseline` once set).
 *
 * @param {{ rootPid?: number, intervalMs?: number }} [opts]
 */
export function startMemoryPoller({ rootPid = process.pid, intervalMs = 250 } = {}) {
  const samples = [];
  const take = () => {
    const s = sampleBrowserMemory(rootPid);
    if (s.processes > 0) samples.push(s);
    return s;
  };
  take();
  const timer = setInterval(take, intervalMs);
  const since = (t0) => samples.filter((s) => s.t >= t0);
  const peakOf = (list) => list.reduce((p, s) => ({ pss: Math.max(p.pss, s.pss), rss: Math.max(p.rss, s.rss) }), { pss: 0, rss: 0 });

  const poller = {
    samples,
    /** The value phases are measured from; set it with settle() on the empty page. */
    baseline: null,
    /** The latest sample. */
    now: () => samples[samples.length - 1] ?? take(),
    peakSince: (t0) => peakOf(since(t0)),
    /**
     * Waits until the PSS sum moves by less than `toleranceBytes` (default max(8 MB, 1%)) across `windowMs`
     * (default 2 s), at most `timeoutMs` (default 15 s); returns the mean of that window { pss, rss, settled }.
     */
    settle: async ({ windowMs = 2000, toleranceBytes, timeoutMs = 15_000 } = {}) => {
      const start = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, intervalMs));
        const now = Date.now();
        const window = since(now - windowMs);
        if (now - start >= windowMs && window.length >= 3) {
          const pss = window.map((s) => s.pss);
          const spread = Math.max(...pss) - Math.min(...pss);
          const tolerance = toleranceBytes ?? Math.max(8 * MB, 0.01 * Math.max(...pss));
          const settled = spread <= tolerance;
          if (settled || now - start >= timeoutMs) {
            const mean = (key) => window.reduce((a, s) => a + s[key], 0) / window.length;
            return { pss: mean('pss'), rss: mean('rss'), settled };
          }
        }
      }
    },
    /** Starts a named phase; its end() returns { name, seconds, peak, settled, samples } (bytes). */
    phase: (name) => {
      const t0 = Date.now();
      return {
        name,
        end: async ({ settle = true } = {}) => {
          const t1 = Date.now();
          const settled = settle ? await poller.settle() : null;
          // The peak covers the settling wait too: memory freed late was still held at that moment.
          const peak = poller.peakSince(t0);
          return { name, seconds: (t1 - t0) / 1000, peak, settled, samples: since(t0).length };
        },
      };
    },
    stop: () => clearInterval(timer),
  };
  return poller;
}

/** A phase result in MB above `baseline` ({ pss, rss } bytes): { peakPssMB, settledPssMB, peakRssMB, settledRssMB }. */
export function aboveBaseline(result, baseline) {
  return {
    peakPssMB: toMB(result.peak.pss - baseline.pss),
    settledPssMB: result.settled ? toMB(result.settled.pss - baseline.pss) : null,
    peakRssMB: toMB(result.peak.rss - baseline.rss),
    settledRssMB: result.settled ? toMB(result.settled.rss - baseline.rss) : null,
    settledWithinWait: result.settled ? result.settled.settled : null,
    samples: result.samples,
  };
}

/**
 * Asks V8 to collect garbage in the page and in its dedicated workers (CDP HeapProfiler.collectGarbage), so a
 * settled value measures what is kept rather than what the collector has not got to yet. Best effort.
 */
export async function collectGarbage(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const workers = [];
    let nextId = 1;
    const pending = new Map();
    cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
      if (targetInfo.type === 'worker') workers.push(sessionId);
    });
    cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
      const m = JSON.parse(message);
      pending.get(m.id)?.();
      pending.delete(m.id);
    });
    // Not flattened: these sessions talk to the workers through Target.sendMessageToTarget, beside Playwright's own.
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(workers.map((sessionId) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      setTimeout(resolve, 5000);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }) })
        .catch(() => resolve());
    })));
  } catch {
    // A page without CDP (another browser) or mid-navigation: measure without collecting.
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
