// `npm run cert -- --host 192.168.1.20 [--host pc.lan] [--out DATA_DIR/tls] [--days 825]`: a self-signed certificate for
// serving the pages over https on a LAN (TLS_CERT / TLS_KEY), made with Debian's (or macOS's) openssl. Written into the
// server's data directory (DATA_DIR, default ./data) unless --out says otherwise.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: path.join(process.env.DATA_DIR || 'data', 'tls') },
    days: { type: 'string', default: '825' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || values.host.length === 0) {
  console.error('usage: npm run cert -- --host <LAN IP or name> [--host <another>] [--out DATA_DIR/tls] [--days 825]');
  console.error('writes <out>/cert.pem and <out>/key.pem; localhost and 127.0.0.1 are always included');
  process.exit(values.help ? 0 : 2);
}
const days = Number(values.days);
// 825 days is the longest validity Apple platforms accept for a TLS server certificate.
if (!Number.isInteger(days) || days < 1 || days > 825) {
  console.error(`--days must be a whole number from 1 to 825, not ${values.days}`);
  process.exit(2);
}
for (const h of values.host) {
  if (!isIP(h) && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(h)) {
    console.error(`--host ${JSON.stringify(h)} is neither an IP address nor a host name`);
    process.exit(2);
  }
}

const hosts = [...new Set([...values.host, 'localhost', '127.0.0.1'])];
const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
fs.mkdirSync(values.out, { recursive: true });
const cert = path.join(values.out, 'cert.pem');
const key = path.join(values.out, 'key.pem');
try {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-sha256',
      '-days',
      String(days),
      '-subj',
      `/CN=${values.host[0]}/O=Facestream self-signed`,
      '-addext',
      `subjectAltName=${san}`,
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
} catch (err) {
  const why = err.code === 'ENOENT' ? 'openssl is not installed (Debian: apt-get install openssl)' : String(err.stderr ?? err.message).trim();
  console.error(`could not make the certificate: ${why}`);
  process.exit(1);
}
fs.chmodSync(key, 0o600);
console.log(`wrote ${cert} and ${key} for ${hosts.join(', ')} (valid ${days} days)`);
console.log(`start with: TLS_CERT=${cert} TLS_KEY=${key} HOST=0.0.0.0 npm start`);
console.log(`then open https://${values.host[0]}:8090/ and accept the certificate warning once per browser`);
