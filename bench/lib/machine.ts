// What the results were measured on: the machine, and the load other processes put on it while a suite ran.
import fs from 'node:fs';
import os from 'node:os';
import type { Any } from './report-sections.js';
import { round } from './stats.js';

export interface Machine {
  cpus: number;
  model: string;
  memory: string;
  node: string;
  os: string;
  backend: string;
}

export function describeMachine(backend: string): Machine {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: osName(),
    backend,
  };
}

function osName(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export interface LoadSummary {
  min: number | null;
  mean: number | null;
  max: number | null;
  samples: number;
}

/**
 * A fixed workload of plain JavaScript arithmetic, CPU ms (median of 5): the same on every run, so it says how fast the
 * machine was during this one. This shared machine's speed moves by hours (the same code measured 14.7 and 25.8 ms a
 * face on one day, the load average low both times), which the load average does not show.
 */
export function machineReferenceMs(): number {
  const times: number[] = [];
  const a = new Float64Array(4096).map((_, i) => (i % 97) / 97);
  for (let k = 0; k < 5; k++) {
    const c = process.cpuUsage();
    let s = 0;
    for (let r = 0; r < 5000; r++) for (let i = 0; i < a.length; i++) s = s * 0.999 + a[i]! * a[(i * 7) & 4095]!;
    const d = process.cpuUsage(c);
    if (s === -1) console.log(s); // keeps the loop from being optimised away
    times.push((d.user + d.system) / 1000);
  }
  return +times.sort((x, y) => x - y)[2]!.toFixed(1);
}

/** Samples the 1-minute load average every `everyMs` until stopped: the machine is shared, so the figures need it. */
export function sampleLoad(everyMs = 2000): { stop(): LoadSummary } {
  const xs = [os.loadavg()[0]!];
  const timer = setInterval(() => xs.push(os.loadavg()[0]!), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      xs.push(os.loadavg()[0]!);
      return { min: round(Math.min(...xs), 2), mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2), max: round(Math.max(...xs), 2), samples: xs.length };
    },
  };
}

/**
 * Writes `file` back to disk now: a bench that just wrote a large file (1.2 GB at 1M faces) and then measures an idle
 * camera would otherwise have the kernel's write-back inside its idle window.
 */
export function flushToDisk(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A results file's reference-loop times, before and after its suite: `machine.referenceMs` (bench/run.ts, every suite),
 * or `settings.machineReference` in embed files written before run.ts recorded it. Null when not recorded.
 */
export function recordedReference(f: Any): { before: number; after: number } | null {
  const r = f?.machine?.referenceMs;
  if (r) return { before: r.before, after: r.after };
  const old = f?.settings?.machineReference;
  return old ? { before: +old.beforeMs.toFixed(1), after: +old.afterMs.toFixed(1) } : null;
}
