'use strict';
// Test helpers: the real stack started by scripts/run (exactly as tests/integration/harness.py
// does: free port, private CHAT_VAR_DIR, CHAT_BUILD_DIR from CHAT_TEST_BUILD_DIR, CHAT_SKIP_BUILD=1),
// Debian's Chromium driven by playwright-core, and small polling helpers (playwright-core has
// no `expect`). Node 18 compatible, CommonJS, no other dependency.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const REPO_DIR = path.resolve(__dirname, '..', '..');
const BUILD_DIR = process.env.CHAT_TEST_BUILD_DIR || path.join(REPO_DIR, 'build');
const ARTIFACTS_DIR = path.join(REPO_DIR, 'tests', 'artifacts');
const DOCS_DIR = path.join(REPO_DIR, 'docs');
const CHROMIUM = process.env.CHAT_CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 120000;
const STOP_TIMEOUT_MS = 60000;

const running = new Set();
// If the test process ends with a stack still up, ask scripts/run to stop it (it cleans up).
process.on('exit', () => {
  for (const stack of running) {
    try { stack.process.kill('SIGTERM'); } catch (e) { /* already gone */ }
  }
});

// Interrupted (Ctrl-C, a ctest timeout): exit, which runs the handler above.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// The whole product started by scripts/run on a free port with its own var directory.
class Stack {
  constructor(settings = {}) {
    this.settings = { CHAT_RATE_PER_MIN: '0', ...settings };
    this.output = '';
    this.process = null;
  }

  async start() {
    this.port = await freePort();
    this.varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-var-'));
    fs.chmodSync(this.varDir, 0o755); // mariadbd runs as the mysql user
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('CHAT_')) env[key] = value;
    }
    Object.assign(env, {
      CHAT_VAR_DIR: this.varDir, CHAT_HTTP_PORT: String(this.port),
      CHAT_BUILD_DIR: BUILD_DIR, CHAT_SKIP_BUILD: '1',
    }, this.settings);
    // Its own process group (detached), so a hung stack can be killed as a whole.
    this.process = spawn(path.join(REPO_DIR, 'scripts', 'run'), [], {
      cwd: REPO_DIR, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => { running.delete(this); resolve(code === null ? signal : code); });
    });
    await new Promise((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(() => finish(new Error('no "ready:" line within 120 s')), START_TIMEOUT_MS);
      const finish = (error) => {
        clearTimeout(timer);
        if (error) reject(new Error(`stack did not start: ${error.message}\n${this.output}`));
        else resolve();
      };
      this.process.stderr.on('data', (chunk) => { this.output += chunk; });
      this.process.stdout.on('data', (chunk) => {
        this.output += chunk;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop();
        if (lines.some((line) => line.startsWith('ready: '))) finish();
      });
      this.process.on('exit', () => finish(new Error('scripts/run exited')));
      this.process.on('error', finish);
    }).catch(async (error) => { await this.stop(); throw error; });
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  // SIGTERM as an operator would; the process group is killed if it does not stop in time.
  async stop() {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS); });
      const stopped = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);  // a pending timer would keep the test process alive for a minute
      if (stopped === 'timeout') {
        try { process.kill(-this.process.pid, 'SIGKILL'); } catch (e) { /* gone */ }
      }
    }
    if (this.varDir && process.env.CHAT_TEST_KEEP !== '1') {
      fs.rmSync(this.varDir, { recursive: true, force: true });
    }
  }
}

// The integration suites' local HTTPS model service (tests/model_server, its own throwaway CA),
// run by Debian's python3; `behave(mode)` is its POST /__control.
class ModelServer {
  async start() {
    const code = 'import sys, tempfile\n' +
      `sys.path.insert(0, ${JSON.stringify(path.join(REPO_DIR, 'tests', 'model_server'))})\n` +
      'import model_server\n' +
      'server, port, ca = model_server.start(tempfile.mkdtemp(prefix="chat-model-"))\n' +
      'print(port, ca, flush=True)\n' +
      'sys.stdin.read()\n';
    this.process = spawn('/usr/bin/python3', ['-c', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise((resolve, reject) => {
      let output = '';
      this.process.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('\n')) resolve(output.trim());
      });
      this.process.on('exit', (code) => reject(new Error(`model server exited (${code})`)));
    });
    const [port, caFile] = line.split(' ');
    this.port = Number(port);
    this.caFile = caFile;
    this.url = `https://127.0.0.1:${port}`;
    return this;
  }

  behave(mode) {
    const body = JSON.stringify(mode);
    return new Promise((resolve, reject) => {
      const request = https.request(`${this.url}/__control`, {
        method: 'POST', ca: fs.readFileSync(this.caFile),
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`control: ${response.statusCode}`))));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.stdin.end();
      this.process.kill('SIGTERM');
    }
    if (this.caFile) fs.rmSync(path.dirname(this.caFile), { recursive: true, force: true });
  }
}

// Debian's Chromium, headless, with a fresh temporary profile (playwright-core makes one per launch).
function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Polls `check` (which may throw or return false) until it passes; rethrows its last failure.
async function eventually(check, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    let failure;
    try {
      const result = await check();
      if (result !== false) return result;
      failure = new Error('condition still false after ' + timeout + ' ms');
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw failure;
    await sleep(50);
  }
}

// Saves a screenshot to tests/artifacts/ (and to docs/ when CHAT_UPDATE_DOCS_SCREENSHOTS=1).
async function screenshot(page, name, docsName) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  await page.screenshot({ path: file });
  if (docsName && process.env.CHAT_UPDATE_DOCS_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_DIR, docsName));
  }
  return file;
}

// Runs `body(page, context)` in a fresh context of `browser` (empty storage, a desktop viewport
// unless `options` say otherwise); fails on uncaught page errors.
async function withPage(browser, options, body) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await body(page, context);
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  } finally {
    await context.close();
  }
}

module.exports = { Stack, ModelServer, launchBrowser, withPage, eventually, screenshot, sleep, freePort, REPO_DIR };
