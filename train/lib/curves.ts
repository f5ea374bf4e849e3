// Training curves saved as data (JSON, CSV) and plotted (HTML with inline SVG).
import fs from 'node:fs';
import path from 'node:path';
import { htmlPage, lineChart, table } from './report.js';

export interface HistoryRow {
  step: number;
  loss: number | null;
  triplets: number | null;
  val_accuracy: number;
  val_auc: number;
  val_same_dist: number;
  val_diff_dist: number;
  train_accuracy: number;
  train_same_dist: number;
  train_diff_dist: number;
}

export function writeCurves(dir: string, history: HistoryRow[]): void {
  const keys = Object.keys(history[0] ?? {}) as (keyof HistoryRow)[];
  fs.writeFileSync(path.join(dir, 'curves.json'), `${JSON.stringify(history, null, 1)}\n`);
  fs.writeFileSync(path.join(dir, 'curves.csv'), `${keys.join(',')}\n${history.map((r) => keys.map((k) => r[k] ?? '').join(',')).join('\n')}\n`);
  const pts = (k: keyof HistoryRow) => history.filter((r) => r[k] !== null).map((r) => ({ x: r.step, y: r[k] as number }));
  fs.writeFileSync(
    path.join(dir, 'curves.html'),
    htmlPage('training curves', [
      {
        heading: 'Curves',
        html:
          lineChart('Triplet loss', 'step', 'loss', [{ name: 'loss (batch)', color: '#1f77b4', points: pts('loss') }]) +
          lineChart('Verification accuracy', 'step', 'accuracy', [
            { name: 'validation (held-out people)', color: '#d62728', points: pts('val_accuracy') },
            { name: 'train people', color: '#2ca02c', points: pts('train_accuracy') },
          ]) +
          lineChart('Mean distance (unit vectors)', 'step', 'distance', [
            { name: 'val same', color: '#d62728', points: pts('val_same_dist') },
            { name: 'val different', color: '#ff9896', points: pts('val_diff_dist') },
            { name: 'train same', color: '#2ca02c', points: pts('train_same_dist') },
            { name: 'train different', color: '#98df8a', points: pts('train_diff_dist') },
          ]),
      },
      {
        heading: 'History',
        html: table(
          history.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v]))),
        ),
      },
    ]),
  );
}
