// The server's logger port and its pino adapter: one JSON line per event on stderr, readable colours in a terminal.
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
type LogFn = (msg: string, fields?: LogFields) => void;

export interface Logger extends Record<LogLevel, LogFn> {
  /** A logger that adds these fields to every line (a session's id, a job's id). */
  child(bindings: LogFields): Logger;
  /** Runs `fn` with these fields added to every line logged inside it, across awaits: a request id without passing a logger down. */
  scope<T>(bindings: LogFields, fn: () => T): T;
}

export interface LoggerOptions {
  /** Where lines go; stderr by default. Tests pass a function that collects them. */
  write?: (line: string) => void;
  /** Human-readable lines instead of JSON; by default only when stderr is a terminal (a person is watching). */
  pretty?: boolean;
}

export function createLogger(level: LogLevel = 'info', opts: LoggerOptions = {}): Logger {
  const asPretty = opts.pretty ?? (opts.write === undefined && process.stderr.isTTY === true);
  // Synchronous writes: main.ts logs the reason and exits at once when start-up fails, and an async buffer would lose that line.
  const stderr = opts.write ? undefined : pino.destination({ fd: 2, sync: true });
  const out = opts.write ?? ((text: string) => stderr!.write(text + '\n'));
  // pino-pretty's formatter as a plain function, not its stream: the same synchronous path as JSON, no worker thread.
  const prettify = asPretty ? prettyFactory({ colorize: opts.write === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' }) : undefined;
  const destination: DestinationStream = {
    write: (line: string) => out(prettify ? prettify(line).trimEnd() : line.endsWith('\n') ? line.slice(0, -1) : line),
  };
  const context = new AsyncLocalStorage<LogFields>();
  const root = pino(
    {
      level,
      base: { pid: process.pid },
      // Level names and ISO times in JSON so a log reader needs no pino table; pino-pretty formats its own.
      ...(asPretty ? {} : { formatters: { level: (label: string) => ({ level: label }) }, timestamp: stdTimeFunctions.isoTime }),
      mixin: () => context.getStore() ?? {},
    },
    destination,
  );
  const wrap = (p: pino.Logger): Logger => ({
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
    scope: (bindings, fn) => context.run({ ...context.getStore(), ...bindings }, fn),
  });
  return wrap(root);
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  scope: (_bindings, fn) => fn(),
};
