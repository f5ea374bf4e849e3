// `npm run cert` writes into the server's data directory: DATA_DIR/tls unless --out says otherwise (it used to write
// ./data/tls whatever DATA_DIR said, so a server on another data directory found no certificate).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/make-cert.mjs', import.meta.url));

describe('npm run cert', () => {
  it('writes cert.pem and key.pem into DATA_DIR/tls, and into --out when given', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-cert-'));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-cwd-'));
    execFileSync(process.execPath, [SCRIPT, '--host', '192.168.1.20'], { cwd, env: { ...process.env, DATA_DIR: dataDir }, stdio: 'pipe' });
    expect(fs.existsSync(path.join(dataDir, 'tls', 'cert.pem'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'tls', 'key.pem'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
    const out = path.join(cwd, 'elsewhere');
    execFileSync(process.execPath, [SCRIPT, '--host', 'door-pc.lan', '--out', out], { cwd, env: { ...process.env, DATA_DIR: dataDir }, stdio: 'pipe' });
    expect(fs.readdirSync(out).sort()).toEqual(['cert.pem', 'key.pem']);
  });
});
