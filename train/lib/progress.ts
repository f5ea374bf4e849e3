// A progress bar on stderr (stdout stays clean for --json): redrawn in place on a TTY, a line every 10% otherwise.
export interface Progress {
  tick(n?: number, note?: string): void;
  done(note?: string): void;
}

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const t0 = performance.now();
  let n = 0;
  let lastDecile = -1;
  const tty = Boolean(stream.isTTY);
  const draw = (note = '') => {
    const frac = total > 0 ? Math.min(n / total, 1) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = (performance.now() - t0) / 1000;
    const eta = n > 0 && frac < 1 ? ` eta ${((secs / n) * (total - n)).toFixed(0)}s` : '';
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${secs.toFixed(1)}s${eta}${note ? ` ${note}` : ''}`;
  };
  return {
    tick(k = 1, note) {
      n += k;
      if (tty) stream.write(`\r${draw(note)}\x1b[K`);
      else {
        const decile = total > 0 ? Math.floor((n / total) * 10) : 10;
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${draw(note)}\n`);
        }
      }
    },
    done(note) {
      stream.write(tty ? `\r${draw(note)}\x1b[K\n` : `${draw(note)}\n`);
    },
  };
}
