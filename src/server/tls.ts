// TLS for the one HTTP port: TLS_CERT and TLS_KEY (PEM files) turn http/ws into https/wss, so browsers on other machines
// may open the camera (getUserMedia needs a secure origin). Reads the files once at start and says clearly what is wrong.
import fs from 'node:fs';
import type { Config } from './config.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The certificate and key, or null when neither is set. Throws when only one is set or a file cannot be read. */
export function loadTls(config: Pick<Config, 'TLS_CERT' | 'TLS_KEY'>): TlsFiles | null {
  const { TLS_CERT: certPath, TLS_KEY: keyPath } = config;
  if (!certPath && !keyPath) return null;
  if (!certPath || !keyPath) throw new Error(`TLS needs both TLS_CERT and TLS_KEY; only ${certPath ? 'TLS_CERT' : 'TLS_KEY'} is set`);
  const read = (name: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(
        `${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); make a pair with \`npm run cert -- --host <name or IP>\``,
        { cause: err },
      );
    }
  };
  const cert = read('TLS_CERT', certPath);
  const key = read('TLS_KEY', keyPath);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`TLS_CERT: ${certPath} is not a PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new Error(`TLS_KEY: ${keyPath} is not a PEM private key`);
  return { cert, key };
}
