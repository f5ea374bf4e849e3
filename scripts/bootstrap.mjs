#!/usr/bin/env node
// Bootstrap for `npm start` / `npm test`: runs BEFORE node_modules may exist, so Node built-ins only.
//
//   node scripts/bootstrap.mjs          server mode: system packages for the native FAISS index and ffmpeg (IP cameras), then deps
//   node scripts/bootstrap.mjs --test   also the tools the tests need (chromium, postgresql, mosquitto, GStreamer's RTSP server)
//
// 1. System packages (Debian/Ubuntu, via dpkg-query). Missing ones are installed with apt-get when we
//    are root; otherwise a notice says how to install them. The native FAISS packages are optional
//    (the server falls back to a pure-JS index without them); the test tools are required in --test.
// 2. node_modules: `npm ci` runs when node_modules is missing or when a hash of everything that shapes
//    it (lockfile, package.json, the native addon's sources, the state of the system packages it
//    builds against, the Node ABI) differs from node_modules/.bootstrap-stamp. The system state is in
//    the hash so that installing libfaiss-dev after an earlier `npm ci` rebuilds faiss-node-system.
//
// Environment:
//   BOOTSTRAP_SKIP_SYSTEM=1          skip step 1 entirely (no dpkg/apt checks)
//   BOOTSTRAP_FORCE_NPM_CI=1         run `npm ci` even when the stamp matches
//   BOOTSTRAP_ASSUME_MISSING=a,b     treat these Debian packages as missing (exercises the install path)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_DIR = path.join(ROOT, 'native', 'faiss-node-system');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const STAMP = path.join(NODE_MODULES, '.bootstrap-stamp');
const STAMP_FORMAT = 1;
// The file the addon's loader (`bindings`) finds after node-gyp built it.
const NATIVE_ADDON = path.join(NATIVE_DIR, 'build', 'Release', 'faiss-node.node');

// Debian packages needed to build and run faiss-node-system: FAISS itself, an optimized BLAS for it
// (libfaiss-dev alone would settle for the slow reference libblas without recommends), and what
// node-gyp needs to compile (a C++ compiler, make, python3). Optional: the server works without them.
const NATIVE_PKGS = ['libfaiss-dev', 'libopenblas-dev', 'g++', 'make', 'python3'];
// Debian packages the test suite needs: fake webcam files and camera streams (ffmpeg), the browser for the client
// tests, PostgreSQL for the Postgres pass, mosquitto (the MQTT broker the MQTT suite starts), and GStreamer's RTSP
// server (tests/helpers/rtsp-server.py) for the RTSP camera test. Required in --test mode.
const TEST_PKGS = [
  'ffmpeg',
  'chromium',
  'postgresql',
  'mosquitto',
  'gir1.2-gst-rtsp-server-1.0',
  'python3-gi',
  'gstreamer1.0-plugins-good',
  'gstreamer1.0-plugins-bad',
];
// The server pulls IP cameras (RTSP, MJPEG over HTTP) with ffmpeg. Optional: without it only browser cameras work,
// and a server-pulled camera says "ffmpeg not found" in its status.
const CAMERA_PKGS = ['ffmpeg'];
// Where FAISS headers live when installed from Debian, from source or with Homebrew: part of the hash,
// so that installing FAISS by any route triggers a rebuild of the addon.
const FAISS_HEADER_CANDIDATES = ['/usr/include/faiss/Index.h', '/usr/local/include/faiss/Index.h', '/opt/homebrew/include/faiss/Index.h'];

const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(
    fs
      .readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('//'))
      .map((l) => l.slice(3))
      .join('\n'),
  );
  process.exit(0);
}
for (const a of args) {
  if (a !== '--test') fail(`unknown option ${a} (try --help)`);
}
const TEST_MODE = args.has('--test');
const env = process.env;
const assumeMissing = new Set((env.BOOTSTRAP_ASSUME_MISSING ?? '').split(/[\s,]+/).filter(Boolean));
const done = []; // what this run did, for the final line

function log(msg) {
  console.log(`bootstrap: ${msg}`);
}
function warn(msg) {
  console.warn(`bootstrap: ${msg.replace(/\n/g, '\n           ')}`);
}
function fail(msg, code = 1) {
  console.error(`bootstrap: ERROR: ${msg.replace(/\n/g, '\n           ')}`);
  process.exit(code);
}

function which(cmd) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// 1. System packages
// ---------------------------------------------------------------------------------------------------

const HAS_DPKG = process.platform === 'linux' && which('dpkg-query') !== null;
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const HAS_APT = HAS_DPKG && which('apt-get') !== null;

/** Map package -> installed version, for those of `pkgs` that dpkg reports as installed. */
function dpkgInstalled(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${Status}\t${Version}\n', ...pkgs], {
    encoding: 'utf8',
  });
  // Exit status 1 just means some package is unknown; its name then appears on stderr only.
  const installed = new Map();
  for (const line of (r.stdout ?? '').split('\n')) {
    const [name, status, version] = line.split('\t');
    // Status is "want flag state", e.g. "install ok installed" / "deinstall ok config-files".
    if (name && status?.split(' ')[2] === 'installed') installed.set(name, version);
  }
  return installed;
}

// Optional packages apt-get failed to install in the last day (kept next to the stamp).
const APT_FAILED = path.join(NODE_MODULES, '.bootstrap-apt-failed');
const APT_RETRY_MS = 24 * 3600 * 1000;
const recentAptFailures = new Set();
try {
  const note = JSON.parse(fs.readFileSync(APT_FAILED, 'utf8'));
  if (Date.now() - Date.parse(note.at) < APT_RETRY_MS) for (const p of note.packages) recentAptFailures.add(p);
} catch {
  // no note
}
const newAptFailures = new Set();

let aptUpdated = false;
function apt(argv) {
  const r = spawnSync('apt-get', [...argv.slice(0, 1), '-q', '-o', 'DPkg::Lock::Timeout=300', ...argv.slice(1)], {
    stdio: 'inherit',
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}
function aptInstall(pkgs) {
  if (!aptUpdated) {
    log('apt-get update');
    // A failed update (one unreachable mirror) need not be fatal: the install below says if it is.
    if (!apt(['update'])) warn('apt-get update reported errors; trying to install anyway');
    aptUpdated = true;
  }
  log(`apt-get install ${pkgs.join(' ')}`);
  return apt(['install', '-y', '--no-install-recommends', ...pkgs]);
}

/**
 * Makes sure the packages are installed where we can (root + apt). Returns the ones still missing.
 * `assumeMissing` forces the install path for testing; the check after installing ignores it.
 */
function ensurePackages(pkgs, { optional }) {
  const before = dpkgInstalled(pkgs);
  let missing = pkgs.filter((p) => !before.has(p) || assumeMissing.has(p));
  if (missing.length === 0 || !IS_ROOT || !HAS_APT) return missing;
  if (optional) {
    // Don't pay for apt-get update (or its network timeouts) on every start when an optional package
    // failed to install recently.
    const recent = missing.filter((p) => recentAptFailures.has(p) && !assumeMissing.has(p));
    if (recent.length) {
      warn(`not retrying apt-get for ${recent.join(' ')} (failed within the last day; delete ${path.relative(ROOT, APT_FAILED)} to retry now)`);
      missing = missing.filter((p) => !recent.includes(p));
      if (missing.length === 0) return recent;
    }
  }
  if (!aptInstall(missing) && missing.length > 1) {
    // One unavailable package fails the whole transaction: retry the rest one by one.
    const now = dpkgInstalled(missing);
    for (const p of missing.filter((p) => !now.has(p))) aptInstall([p]);
  }
  const after = dpkgInstalled(pkgs);
  const installedNow = missing.filter((p) => after.has(p));
  if (installedNow.length) done.push(`installed ${installedNow.join(' ')}`);
  const stillMissing = pkgs.filter((p) => !after.has(p));
  if (optional) for (const p of missing.filter((p) => !after.has(p))) newAptFailures.add(p);
  return stillMissing;
}

function aptHint(pkgs) {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

function nativeNotice(missing) {
  const lines = ['native FAISS index unavailable for now; the server will use the slower pure-JS index.'];
  if (HAS_DPKG) {
    lines.push(`Missing Debian packages: ${missing.join(' ')}. To get the native index, run`);
    lines.push(`  ${aptHint(missing)}`);
    lines.push('then run `npm start` again (the addon is rebuilt automatically).');
  } else if (process.platform === 'darwin') {
    lines.push('On macOS: `brew install faiss`, then run `npm start` again; with internet access the');
    lines.push('prebuilt faiss-node package is used anyway.');
  } else {
    lines.push('Install FAISS development files (libfaiss + headers) with your package manager, or rely');
    lines.push('on the prebuilt faiss-node package, which installs when GitHub is reachable.');
  }
  return lines.join('\n');
}

function checkTestToolsWithoutDpkg() {
  const problems = [];
  if (!which('ffmpeg')) problems.push('ffmpeg not found on PATH');
  if (!['chromium', 'chromium-browser'].some(which) && !fs.existsSync('/usr/bin/chromium'))
    problems.push('chromium not found (tests drive /usr/bin/chromium via playwright-core)');
  if (!which('initdb') && !which('pg_ctl')) problems.push('PostgreSQL server binaries (initdb, pg_ctl) not found on PATH');
  return problems;
}

let nativeMissing = [];
if (env.BOOTSTRAP_SKIP_SYSTEM === '1') {
  done.push('system packages not checked (BOOTSTRAP_SKIP_SYSTEM=1)');
} else if (HAS_DPKG) {
  nativeMissing = ensurePackages(NATIVE_PKGS, { optional: true });
  const cameraMissing = ensurePackages(CAMERA_PKGS, { optional: true });
  if (cameraMissing.length) warn(`server-pulled cameras need ${cameraMissing.join(' ')}: ${aptHint(cameraMissing)}`);
  if (nativeMissing.length) {
    const failed = nativeMissing.filter((p) => newAptFailures.has(p));
    if (failed.length) warn(`apt-get could not install ${failed.join(' ')} (see its output above).`);
  }
  if (TEST_MODE) {
    const testMissing = ensurePackages(TEST_PKGS, { optional: false });
    if (testMissing.length) {
      fail(
        `the tests need Debian packages that are not installed: ${testMissing.join(' ')}\n` +
          (IS_ROOT && HAS_APT
            ? 'apt-get failed to install them (see its output above); check the apt sources and network.'
            : `Install them as root:\n  ${aptHint(testMissing)}`),
      );
    }
  }
} else {
  // Not a dpkg system (macOS, Fedora, ...): we cannot install anything, only check and advise.
  if (!FAISS_HEADER_CANDIDATES.some((p) => fs.existsSync(p))) nativeMissing = ['faiss'];
  if (TEST_MODE) {
    const problems = checkTestToolsWithoutDpkg();
    if (problems.length) {
      warn(`not a Debian system, cannot install test tools; the tests may fail:\n- ${problems.join('\n- ')}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 2. node_modules
// ---------------------------------------------------------------------------------------------------

function listFiles(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function inputsHash() {
  const h = createHash('sha256');
  const add = (label, data) => h.update(`${label}\0${data.length}\0`).update(data).update('\0');
  const addFile = (file) => {
    let data;
    try {
      data = fs.readFileSync(file);
    } catch {
      data = Buffer.from('<missing>');
    }
    add(path.relative(ROOT, file), data);
  };
  add('format', String(STAMP_FORMAT));
  // A native addon is built for one Node ABI, platform and architecture.
  add('node', `${process.versions.modules} ${process.platform} ${process.arch}`);
  addFile(path.join(ROOT, 'package.json'));
  addFile(path.join(ROOT, 'package-lock.json'));
  addFile(path.join(NATIVE_DIR, 'package.json'));
  addFile(path.join(NATIVE_DIR, 'binding.gyp'));
  for (const f of listFiles(path.join(NATIVE_DIR, 'src'))) addFile(f);
  // The same package set in server and test mode, so alternating `npm start` / `npm test` never
  // reinstalls. Versions included: an upgraded libfaiss-dev rebuilds the addon too.
  if (HAS_DPKG) {
    const installed = dpkgInstalled(NATIVE_PKGS);
    add('dpkg', NATIVE_PKGS.map((p) => `${p}=${installed.get(p) ?? '-'}`).join('\n'));
  }
  add('faiss-headers', FAISS_HEADER_CANDIDATES.filter((p) => fs.existsSync(p)).join('\n'));
  return h.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

/** Which FAISS bindings load, checked in a child process (a broken addon must not take us down). */
function probeNative() {
  const script = `
    const { createRequire } = require('node:module');
    const req = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))});
    const out = {};
    for (const m of ['faiss-node-system', 'faiss-node']) {
      try { const f = req(m); new f.IndexFlatIP(4); out[m] = true; } catch { out[m] = false; }
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { 'faiss-node-system': false, 'faiss-node': false };
  }
}

function npmCi() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npmEnv = { ...env };
  // node-gyp otherwise downloads the Node headers from nodejs.org, which fails offline and silently
  // drops the optional faiss-node-system. The running Node's own headers (Debian/NodeSource packages
  // and the official tarballs ship them under PREFIX/include/node) are the right ones anyway.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
    npmEnv.npm_config_nodedir = prefix;
  }
  // onnxruntime-node's CPU binaries are in its tarball; its install script would fetch CUDA parts from the network.
  // package.json's allowScripts already keeps it from running under npm 11; this covers npm versions without allowScripts.
  npmEnv.ONNXRUNTIME_NODE_INSTALL ??= 'skip';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: npmEnv,
    shell: process.platform === 'win32',
  });
  if (r.error) fail(`could not run npm: ${r.error.message}`);
  if (r.status !== 0) {
    fail(
      `npm ci failed (exit status ${r.status ?? r.signal}); see its output above.\n` +
        'If it says package.json and package-lock.json are out of sync, run `npm install` and commit the lockfile.',
      r.status || 1,
    );
  }
}

const hash = inputsHash();
const stamp = readStamp();
let reason = null;
if (!fs.existsSync(NODE_MODULES)) reason = 'node_modules missing';
else if (!stamp) reason = 'no bootstrap stamp';
else if (stamp.hash !== hash) reason = 'lockfile, native addon sources or system packages changed';
else if (stamp.native?.['faiss-node-system'] && !fs.existsSync(NATIVE_ADDON)) reason = 'native addon build missing';
else if (env.BOOTSTRAP_FORCE_NPM_CI === '1') reason = 'BOOTSTRAP_FORCE_NPM_CI=1';

let native = stamp?.native ?? {};
if (reason) {
  log(`${reason}: installing dependencies (npm ci --no-audit --no-fund)`);
  const t = process.hrtime.bigint();
  npmCi();
  native = probeNative();
  fs.writeFileSync(STAMP, JSON.stringify({ hash, native, at: new Date().toISOString() }, null, 2) + '\n');
  done.push(`npm ci in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`);
  if (native['faiss-node-system']) log('native FAISS index: faiss-node-system (built against the system libfaiss)');
  else if (native['faiss-node']) log('native FAISS index: faiss-node (prebuilt)');
  else if (!nativeMissing.length) {
    warn(
      'faiss-node-system did not build although libfaiss-dev is installed; the server will use the\n' +
        'pure-JS index. See the npm ci output above (`npm_config_foreground_scripts=true` shows the\n' +
        'compiler output); BOOTSTRAP_FORCE_NPM_CI=1 retries.',
    );
  }
} else {
  done.push('dependencies up to date');
}

if (newAptFailures.size) {
  // Written after `npm ci`, which empties node_modules.
  fs.mkdirSync(NODE_MODULES, { recursive: true });
  fs.writeFileSync(APT_FAILED, JSON.stringify({ packages: [...newAptFailures], at: new Date().toISOString() }) + '\n');
}

const hasNative = Boolean(native['faiss-node-system'] || native['faiss-node']);
// Said after the npm step: a FAISS binding may load anyway (prebuilt faiss-node, FAISS from source).
if (nativeMissing.length && !hasNative) warn(nativeNotice(nativeMissing));

const index = hasNative ? 'native FAISS' : 'pure-JS index';
const secs = process.uptime();
log(`ready in ${secs.toFixed(secs < 10 ? 2 : 1)} s (${done.join('; ')}; ${index})`);
