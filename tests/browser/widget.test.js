'use strict';
// Browser tests of the chat widget (issue 4, contract section 5): Debian's headless Chromium
// driven by playwright-core against the real stack started by scripts/run. Test pages other
// than the demo are served on the stack's own origin with page.route; /widget/ and /api/ go to
// the real server unless a test replaces an answer (429, 5xx, JSON). Streams cut at awkward
// places come from a small API stand-in (route.fulfill can only deliver a body at once); the last
// suite streams a real model answer (tests/model_server over TLS) through the worker and nginx.
// Run: cd tests/browser && npm ci && CHAT_TEST_BUILD_DIR=/path/to/build node --test widget.test.js
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { Stack, ModelServer, launchBrowser, withPage: pageIn, eventually, screenshot, sleep } = require('./stack');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORAGE_KEY = 'atonix-chat-session';
const ASK = '**/api/chatbot/ask/';
const DESKTOP = { width: 1280, height: 800 };

// The contract's accessible surface.
function widget(page) {
  const log = page.getByRole('log');
  return {
    launcher: page.getByRole('button', { name: 'Open chat', exact: true }),
    dialog: page.getByRole('dialog', { name: 'Chat', exact: true }),
    log,
    input: page.getByRole('textbox', { name: 'Message', exact: true }),
    send: page.getByRole('button', { name: 'Send', exact: true }),
    status: page.getByRole('status'),
    alert: page.getByRole('alert'),
    retry: page.getByRole('button', { name: 'Try again', exact: true }),
    newConversation: page.getByRole('button', { name: 'New conversation', exact: true }),
    quickReplies: page.getByRole('group', { name: 'Suggested questions' }).getByRole('button'),
    visitorBubbles: log.locator('.acw-me .acw-bubble'),
    botBubbles: log.locator('.acw-bot .acw-bubble'),
  };
}

// A minimal page on the stack's origin that embeds the widget with one tag.
function testPage({ head = '', body = '<main><h1>Test page</h1><p id="probe">Host text</p></main>',
  attributes = 'data-api=""', widgetTag = true } = {}) {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<link rel="icon" href="/widget/demo/favicon.svg">' +
    `<title>Widget test</title>${head}</head><body>${body}` +
    (widgetTag ? `<script src="/widget/chat-widget.js" ${attributes} defer></script>` : '') +
    '</body></html>';
}

// A stand-in for the visitor API on its own port, for answers the real server cannot give yet
// (streaming) or on demand. `handler(request, response, body)` answers POST /api/chatbot/ask/;
// GET of a path in `pages` answers that HTML. Pages are served from here, not fulfilled by
// page.route: Chromium treats a fulfilled page as public and blocks its requests to loopback
// (Local Network Access). So these pages embed the widget the way a customer's site does: the
// script from the stack's origin, the API on another origin (data-api).
function startApiDouble() {
  const double = { requests: [], handler: null, pages: {} };
  double.server = http.createServer({ noDelay: true }, (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type' });
      res.end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (req.method === 'GET' && double.pages[req.url]) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(double.pages[req.url]);
        return;
      }
      double.requests.push({ url: req.url, headers: req.headers, body });
      if (req.method === 'POST' && req.url === '/api/chatbot/ask/' && double.handler) {
        double.handler(req, res, JSON.parse(body));
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end('{"error":{"code":"not_found","message":"no such path"}}');
      }
    });
  });
  return new Promise((resolve) => {
    double.server.listen(0, '127.0.0.1', () => {
      double.url = `http://127.0.0.1:${double.server.address().port}`;
      resolve(double);
    });
  });
}

// Writes `text` as UTF-8 in small chunks, also cut inside multi-byte characters and \r\n pairs.
async function writeInPieces(res, text) {
  const bytes = Buffer.from(text, 'utf8');
  const cuts = new Set();
  for (let i = 5; i < bytes.length; i += 7) cuts.add(i);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0xc0) cuts.add(i + 1);                      // inside a character
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) cuts.add(i + 1); // between \r and \n
  }
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b).concat(bytes.length)) {
    if (cut <= start) continue;
    res.write(bytes.subarray(start, cut));
    start = cut;
    await sleep(8);
  }
}

// Waits until no answer is pending (the answer is complete: `done` or the JSON body was read).
function idle(page) {
  return eventually(() => page.evaluate(() =>
    !document.querySelector('atonix-chat').shadowRoot.querySelector('.acw').classList.contains('acw-busy')), 20000);
}

// Waits for the widget's finite animations (fades) to end.
function settled(page) {
  return page.evaluate(() => Promise.all(document.querySelector('atonix-chat').shadowRoot.getAnimations()
    .filter((a) => a.effect.getComputedTiming().endTime !== Infinity).map((a) => a.finished)));
}

// Scrolls the conversation so that the last visitor message is at the top (for screenshots).
function showLastQuestion(page) {
  return page.evaluate(() => {
    const root = document.querySelector('atonix-chat').shadowRoot;
    const body = root.querySelector('.acw-body');
    const question = [...root.querySelectorAll('.acw-log .acw-me')].pop();
    body.scrollTop = question.offsetTop - body.offsetTop - 12;
  });
}

function sse(event, data) { return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`; }

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

// WCAG contrast of every visible text in the widget against what is behind it (gradients:
// each of their colours; translucent layers: blended). Returns the failures.
function auditContrast() {
  const root = document.querySelector('atonix-chat').shadowRoot;
  const colorsIn = (s) => {
    const out = [];
    const re = /rgba?\(([^)]+)\)|color\(srgb ([^)]+)\)/g;
    let m;
    while ((m = re.exec(s))) {
      const v = (m[1] || m[2]).split(/[\s,/]+/).filter(Boolean).map(Number);
      const k = m[1] ? 1 : 255;
      out.push([v[0] * k, v[1] * k, v[2] * k, v.length > 3 ? v[3] : 1]);
    }
    return out;
  };
  const blend = (fg, bg) => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat(1);
  const parentOf = (e) => e.parentElement || (e.getRootNode().host || null);
  const backgrounds = (el) => {
    if (!el) return [[255, 255, 255, 1]];
    const cs = getComputedStyle(el);
    if (cs.backgroundImage !== 'none' && colorsIn(cs.backgroundImage).length) return colorsIn(cs.backgroundImage);
    const c = colorsIn(cs.backgroundColor)[0];
    if (!c || c[3] === 0) return backgrounds(parentOf(el));
    if (c[3] >= 1) return [c];
    return backgrounds(parentOf(el)).map((b) => blend(c, b));
  };
  const lum = (c) => c.slice(0, 3).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const failures = [];
  let checked = 0;
  for (const el of root.querySelectorAll('*')) {
    const hasText = el.tagName === 'TEXTAREA' ? el.value.trim() :
      [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!hasText || box.width < 2 || box.height < 2) continue;
    const cs = getComputedStyle(el);
    let color = colorsIn(cs.color)[0];
    let opacity = 1;
    for (let e = el; e; e = parentOf(e)) opacity *= Number(getComputedStyle(e).opacity);
    color = [color[0], color[1], color[2], color[3] * opacity];
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    for (const bg of backgrounds(el)) {
      const r = ratio(blend(color, bg), bg);
      checked++;
      if (r < (large ? 3 : 4.5)) failures.push({ text: (el.value || el.textContent).slice(0, 40), ratio: r.toFixed(2) });
    }
  }
  return { checked, failures };
}

// What a visitor downloads (nginx gzips JS and CSS): the widget with its four languages, its
// feedback, contact form and teaser stays under 20 KB, and under 60 KB as files.
it('the widget\'s JavaScript and CSS together stay under 20 KB gzipped (60 KB as files)', () => {
  const fs = require('node:fs');
  const path = require('node:path');
  const zlib = require('node:zlib');
  const files = Buffer.concat(['chat-widget.js', 'chat-widget.css']
    .map((name) => fs.readFileSync(path.join(__dirname, '..', '..', 'widget', name))));
  assert.ok(files.length < 60000, `${files.length} bytes`);
  const gzipped = zlib.gzipSync(files, { level: 9 }).length;
  assert.ok(gzipped < 20000, `${gzipped} bytes gzipped`);
});

describe('chat widget in Chromium against the real stack', () => {
  let stack;
  let browser;
  let api; // the streaming stand-in

  before(async () => {
    stack = await new Stack().start();
    browser = await launchBrowser();
    api = await startApiDouble();
  });

  after(async () => {
    if (api) await new Promise((resolve) => { api.server.closeAllConnections?.(); api.server.close(resolve); });
    if (browser) await browser.close();
    if (stack) await stack.stop();
  });

  const withPage = (options, body) => pageIn(browser, { viewport: DESKTOP, ...options }, body);

  // Serves `html` at `path` on the stack's origin and opens it.
  async function openTestPage(page, path, html) {
    const url = stack.url + path;
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(url);
  }

  // A page on the API stand-in's origin embedding the widget from the stack's origin.
  async function openDoublePage(page, path) {
    api.pages[path] = testPage({}).replace('/widget/demo/favicon.svg', `${stack.url}/widget/demo/favicon.svg`)
      .replace('src="/widget/chat-widget.js" data-api=""', `src="${stack.url}/widget/chat-widget.js" data-api="${api.url}"`);
    await page.goto(api.url + path);
  }

  async function openChat(page) {
    const w = widget(page);
    await w.launcher.click();
    await w.dialog.waitFor();
    return w;
  }

  // Types and sends with Enter; waits for the whole answer (one more bot bubble, the widget idle).
  async function ask(page, text) {
    const w = widget(page);
    const before = await w.botBubbles.count();
    await w.input.fill(text);
    await w.input.press('Enter');
    await eventually(async () => {
      assert.equal(await w.botBubbles.count(), before + 1);
      assert.notEqual((await w.botBubbles.last().innerText()).trim(), '');
    });
    await idle(page);
    await w.status.waitFor({ state: 'hidden' });
    return (await w.botBubbles.last().innerText()).trim();
  }

  function storedSession(page) {
    return page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
  }

  function focusedLabel(page) {
    return page.evaluate(() => {
      const active = document.querySelector('atonix-chat').shadowRoot.activeElement;
      return active && (active.getAttribute('aria-label') || active.textContent);
    });
  }

  it('asks a question and shows the answer; the session id is kept in localStorage', async () => {
    await withPage({}, async (page) => {
      const asks = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/chatbot/ask/')) asks.push(request);
      });
      await page.goto(stack.url + '/');
      const w = widget(page);
      assert.equal(await w.dialog.count(), 0, 'the panel starts closed');
      assert.equal(await w.launcher.getAttribute('aria-expanded'), 'false');
      await w.launcher.click();
      await w.dialog.waitFor();
      assert.equal(await w.launcher.getAttribute('aria-expanded'), 'true');
      assert.equal(await focusedLabel(page), 'Message', 'opening focuses the message box');
      assert.match(await w.botBubbles.first().innerText(), /AtonixDev assistant/, 'the greeting');

      const answer = await ask(page, 'What services do you offer?');
      assert.match(answer, /Software engineering/);
      assert.match(answer, /Cloud infrastructure/);
      assert.equal(await w.visitorBubbles.last().innerText(), 'What services do you offer?');
      assert.equal(await w.input.inputValue(), '', 'the box is emptied once sent');
      assert.equal(await w.botBubbles.last().locator('li').count(), 4, 'Markdown list rendered');
      assert.equal(await w.quickReplies.count(), 0, 'quick replies are gone after the first question');

      assert.equal(asks.length, 1);
      assert.equal(asks[0].headers().accept, 'text/event-stream', 'asks for streaming');
      assert.match(asks[0].headers()['content-type'], /^application\/json/);
      assert.deepEqual(JSON.parse(asks[0].postData()), { message: 'What services do you offer?' });
      const session = await storedSession(page);
      assert.match(session || '', UUID);

      await ask(page, 'And your pricing?');
      assert.deepEqual(JSON.parse(asks[1].postData()), { message: 'And your pricing?', session_id: session });
      await settled(page);
      await showLastQuestion(page);
      await screenshot(page, 'widget-desktop.png', 'widget-desktop.png');
    });
  });

  it('shows the typing status while an answer is pending and ignores double submits', async () => {
    await withPage({}, async (page) => {
      let calls = 0;
      const gate = deferred();
      await page.route(ASK, async (route) => {
        calls++;
        await gate.promise;
        await route.continue();
      });
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await w.input.fill('Do you work with Kubernetes?');
      await w.send.dblclick();
      await w.status.waitFor();
      assert.match(await w.status.innerText(), /AtonixDev is typing/);
      await w.input.fill('A second question');
      await w.input.press('Enter');
      await w.send.click();
      await sleep(300);
      assert.equal(calls, 1, 'one request while the answer is pending');
      assert.equal(await w.visitorBubbles.count(), 1);
      assert.equal(await w.input.inputValue(), 'A second question', 'the next text waits in the box');

      gate.resolve();
      await eventually(async () => assert.match(await w.botBubbles.last().innerText(), /Kubernetes/));
      await w.status.waitFor({ state: 'hidden' });
      assert.equal(await w.botBubbles.count(), 2);
      await w.input.press('Enter');
      await eventually(() => assert.equal(calls, 2));
      await eventually(async () => assert.equal(await w.botBubbles.count(), 3));
    });
  });

  it('falls back to the JSON answer when the server does not stream', async () => {
    await withPage({}, async (page) => {
      let accept;
      await page.route(ASK, (route) => {
        accept = route.request().headers().accept;
        route.fulfill({
          status: 200, contentType: 'application/json; charset=utf-8',
          body: JSON.stringify({ session_id: '0b9a7d52-6a43-4c8e-9c36-3f1e5d1a2b3c', message_id: 9,
            response: 'A **JSON** answer:\n\n- one\n- two', response_time_ms: 5, source: 'knowledge' }),
        });
      });
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await ask(page, 'Hello?');
      assert.equal(accept, 'text/event-stream');
      const last = w.botBubbles.last();
      assert.equal(await last.locator('strong').innerText(), 'JSON');
      assert.deepEqual(await last.locator('li').allInnerTexts(), ['one', 'two']);
      assert.equal(await storedSession(page), '0b9a7d52-6a43-4c8e-9c36-3f1e5d1a2b3c');
    });
  });

  it('streams: tokens appear before the end of the answer (chunks cut anywhere)', async () => {
    const session = '5f0e8a34-1b2c-4d3e-8f4a-9b8c7d6e5f4a';
    const release = deferred();
    api.handler = async (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
      await writeInPieces(res, ': a heartbeat comment\n\n' +
        sse('session', { session_id: session }) +
        'event: token\r\ndata: {"text": "Caf"}\r\n\r\n' +
        sse('token', { text: '\u00e9 au lait ' }) +
        'event: token\rdata: {"text": "costs "}\r\r' +
        sse('token', { text: '\ud83d\ude80 **nothing**' }));
      await release.promise;
      await writeInPieces(res, sse('token', { text: ' at all' }) +
        sse('done', { session_id: session, message_id: 7, response: 'Caf\u00e9 au lait costs \ud83d\ude80 **nothing** at all.',
          response_time_ms: 12, source: 'model' }));
      // The connection stays open: the widget must finish on `done`, not on the end of the body.
      setTimeout(() => res.end(), 5000);
    };
    await withPage({}, async (page) => {
      await openDoublePage(page, '/stream.html');
      const w = await openChat(page);
      api.requests.length = 0;
      await w.input.fill('How much is a coffee?');
      await w.input.press('Enter');
      const bubble = w.botBubbles.nth(1);
      await eventually(async () => assert.equal(await bubble.innerText(), 'Caf\u00e9 au lait costs \ud83d\ude80 nothing'));
      assert.equal(await bubble.locator('strong').innerText(), 'nothing', 'Markdown while streaming');
      assert.equal(await w.status.isVisible(), false, 'the typing status gives way to the text');
      assert.equal(await storedSession(page), session, 'the session event is stored at once');
      await sleep(200);
      assert.equal(await bubble.innerText(), 'Caf\u00e9 au lait costs \ud83d\ude80 nothing', 'still waiting for the rest');

      release.resolve();
      await eventually(async () => assert.equal(await bubble.innerText(), 'Caf\u00e9 au lait costs \ud83d\ude80 nothing at all.'));
      assert.equal(api.requests[0].headers.accept, 'text/event-stream');
      assert.deepEqual(JSON.parse(api.requests[0].body), { message: 'How much is a coffee?' });

      // The answer is complete although the stream is still open: the next question goes out.
      api.handler = (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(sse('session', { session_id: session }) + sse('token', { text: 'Yes.' }) +
          sse('done', { session_id: session, message_id: 9, response: 'Yes.', response_time_ms: 1, source: 'model' }));
      };
      assert.equal(await ask(page, 'Really?'), 'Yes.');
      assert.deepEqual(JSON.parse(api.requests[1].body), { message: 'Really?', session_id: session });
    });
  });

  it('a stream that fails part-way shows an error, keeps the text and offers a retry', async () => {
    await withPage({}, async (page) => {
      api.handler = (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(sse('session', { session_id: 'c0ffee00-0000-4000-8000-000000000001' }) +
          sse('token', { text: 'Partial ans' }) +
          sse('error', { error: { code: 'unavailable', message: 'the model service failed' } }));
      };
      await openDoublePage(page, '/stream-error.html');
      const w = await openChat(page);
      await w.input.fill('Tell me about MLOps');
      await w.input.press('Enter');
      await eventually(async () => assert.match(await w.alert.innerText(), /failed part-way \(the model service failed\)/));
      assert.equal(await w.input.inputValue(), 'Tell me about MLOps');
      assert.equal(await w.visitorBubbles.count(), 0);
      assert.equal(await w.botBubbles.count(), 1, 'no partial answer is left behind');

      api.handler = (req, res) => { // the body ends without `done`
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(sse('token', { text: 'Cut' }));
      };
      await w.retry.click();
      await eventually(async () => assert.match(await w.alert.innerText(), /interrupted/));
      assert.equal(await w.input.inputValue(), 'Tell me about MLOps');

      api.handler = (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(sse('done', { session_id: 'c0ffee00-0000-4000-8000-000000000001', message_id: 3,
          response: 'MLOps covers tracking and retraining.', response_time_ms: 1, source: 'model' }));
      };
      await w.retry.click();
      await eventually(async () => assert.equal(await w.botBubbles.last().innerText(), 'MLOps covers tracking and retraining.'));
      assert.equal(await w.alert.innerText(), '');
      assert.equal(await w.input.inputValue(), '');
    });
  });

  it('reload restores the history; "New conversation" starts over', async () => {
    await withPage({}, async (page) => {
      const sessionReads = [];
      page.on('request', (request) => {
        if (request.url().includes('/api/chatbot/session/')) sessionReads.push(request.url());
      });
      await page.goto(stack.url + '/');
      let w = await openChat(page);
      await ask(page, 'What services do you offer?');
      await ask(page, 'Pricing');
      const session = await storedSession(page);

      await page.reload();
      w = await openChat(page);
      await eventually(async () => assert.equal(await w.visitorBubbles.count(), 2));
      assert.deepEqual(sessionReads, [`${stack.url}/api/chatbot/session/${session}/`]);
      assert.deepEqual(await w.visitorBubbles.allInnerTexts(), ['What services do you offer?', 'Pricing']);
      assert.equal(await w.botBubbles.count(), 3, 'greeting and two answers');
      assert.match(await w.botBubbles.nth(1).innerText(), /Software engineering/);
      assert.match(await w.botBubbles.nth(2).innerText(), /Small projects/);
      assert.equal(await w.botBubbles.nth(2).locator('strong').first().innerText(), 'Pricing', 'history is rendered as Markdown too');
      assert.equal(await w.quickReplies.count(), 0);

      await w.newConversation.click();
      assert.equal(await w.visitorBubbles.count(), 0);
      assert.equal(await w.botBubbles.count(), 1, 'only the greeting');
      assert.equal(await storedSession(page), null);
      assert.equal(await w.quickReplies.count(), 4);
      assert.equal(await focusedLabel(page), 'Message');

      await page.reload();
      w = await openChat(page);
      await sleep(300);
      assert.equal(sessionReads.length, 1, 'nothing to restore');
      assert.equal(await w.visitorBubbles.count(), 0);
      await ask(page, 'Portfolio');
      const fresh = await storedSession(page);
      assert.match(fresh, UUID);
      assert.notEqual(fresh, session);
    });
  });

  it('an unknown stored session is forgotten quietly', async () => {
    await withPage({}, async (page) => {
      await page.goto(stack.url + '/');
      await page.evaluate((key) => localStorage.setItem(key, '9d7c1e2a-3b4c-4d5e-8f60-718293a4b5c6'), STORAGE_KEY);
      await page.reload();
      const w = await openChat(page);
      await eventually(async () => assert.equal(await storedSession(page), null));
      assert.equal(await w.alert.innerText(), '');
      assert.equal(await w.quickReplies.count(), 4);
      await ask(page, 'Hello');
      assert.match(await storedSession(page), UUID);
    });
  });

  it('a visitor message with HTML and script is shown literally and runs nothing', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b> & <i>it</i>';
    await withPage({}, async (page) => {
      await page.goto(stack.url + '/');
      let w = await openChat(page);
      await ask(page, hostile);
      assert.equal(await w.visitorBubbles.last().textContent(), hostile);
      const check = () => page.evaluate(() => ({
        pwned: window.__pwned,
        pageImages: document.querySelectorAll('img').length,
        widgetElements: document.querySelector('atonix-chat').shadowRoot.querySelectorAll('img, script, b, i').length,
      }));
      await sleep(300);
      assert.deepEqual(await check(), { pwned: undefined, pageImages: 0, widgetElements: 0 });

      await page.reload(); // the same text coming back from the server's history
      w = await openChat(page);
      await eventually(async () => assert.equal(await w.visitorBubbles.count(), 1));
      assert.equal(await w.visitorBubbles.first().textContent(), hostile);
      await sleep(300);
      assert.deepEqual(await check(), { pwned: undefined, pageImages: 0, widgetElements: 0 });
    });
  });

  it('bot Markdown becomes safe DOM: lists, bold, code and http(s) links only', async () => {
    const response = '**Bold** start with `<b>code</b>` and <img src=x onerror="window.__pwned=1">.\n' +
      'Second line\n\n' +
      '- [Safe link](https://atonixdev.org/path?q=1)\n- [Bad link](javascript:window.__pwned=2)\n' +
      '- see https://example.com/docs.\n\n1. first\n2. second\n\n<script>window.__pwned=3</script>\n\n' +
      '[data](data:text/html,<script>alert(1)</script>)';
    await withPage({}, async (page) => {
      await page.route(ASK, (route) => route.fulfill({
        status: 200, contentType: 'application/json',
        body: JSON.stringify({ session_id: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', message_id: 2, response,
          response_time_ms: 1, source: 'model' }),
      }));
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await ask(page, 'Show me formatting');
      const html = await w.botBubbles.last().evaluate((bubble) => {
        const links = [...bubble.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'),
          rel: a.getAttribute('rel'), target: a.getAttribute('target'), text: a.textContent }));
        return {
          paragraphs: bubble.querySelectorAll('p').length,
          breaks: bubble.querySelectorAll('p br').length,
          strong: [...bubble.querySelectorAll('strong')].map((e) => e.textContent),
          code: [...bubble.querySelectorAll('code')].map((e) => e.textContent),
          ul: [...bubble.querySelectorAll('ul > li')].map((e) => e.textContent),
          ol: [...bubble.querySelectorAll('ol > li')].map((e) => e.textContent),
          links,
          unsafe: bubble.querySelectorAll('img, script, b, iframe, [onerror]').length,
          text: bubble.textContent,
        };
      });
      assert.deepEqual(html.strong, ['Bold']);
      assert.deepEqual(html.code, ['<b>code</b>']);
      assert.equal(html.breaks, 1, 'a single newline is a line break');
      assert.deepEqual(html.ul, ['Safe link', 'Bad link', 'see https://example.com/docs.']);
      assert.deepEqual(html.ol, ['first', 'second']);
      assert.deepEqual(html.links, [
        { href: 'https://atonixdev.org/path?q=1', rel: 'noopener', target: '_blank', text: 'Safe link' },
        { href: 'https://example.com/docs', rel: 'noopener', target: '_blank', text: 'https://example.com/docs' },
      ]);
      assert.equal(html.unsafe, 0);
      assert.ok(html.text.includes('<img src=x onerror="window.__pwned=1">'), 'HTML stays text');
      assert.ok(html.text.includes('<script>window.__pwned=3</script>'));
      await sleep(300);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
    });
  });

  it('hostile host CSS cannot break the widget', async () => {
    const css = '<style>* { all: unset !important; } button { display: none !important; } ' +
      'div, section, textarea { display: none !important; } ' +
      'html { font-size: 40px !important; color: red !important; letter-spacing: 5px !important; ' +
      'text-transform: uppercase !important; font-style: italic !important; }</style>';
    await withPage({}, async (page) => {
      await openTestPage(page, '/test/hostile.html', testPage({ head: css }));
      const w = widget(page);
      await w.launcher.waitFor();
      const launcher = await w.launcher.boundingBox();
      assert.ok(launcher.width >= 44 && launcher.height >= 44, 'launcher keeps its size');
      assert.ok(launcher.x + launcher.width <= DESKTOP.width && launcher.y + launcher.height <= DESKTOP.height);
      await w.launcher.click();
      await w.dialog.waitFor();
      const panel = await w.dialog.boundingBox();
      assert.ok(panel.width >= 300 && panel.height >= 400, `panel laid out: ${JSON.stringify(panel)}`);
      const inherited = await w.botBubbles.first().evaluate((e) => {
        const cs = getComputedStyle(e);
        return [cs.fontSize, cs.letterSpacing, cs.textTransform, cs.fontStyle, cs.color];
      });
      assert.deepEqual(inherited, ['15px', 'normal', 'none', 'normal', 'rgb(15, 23, 42)'], 'inherited page styles do not leak in');
      await w.send.waitFor();
      assert.match(await ask(page, 'What services do you offer?'), /Software engineering/);
      assert.equal(await page.locator('#probe').evaluate((e) => getComputedStyle(e).display), 'inline',
        'the page\'s own styles still apply to the page');
    });
  });

  it('works under a strict Content-Security-Policy with no violation reported', async () => {
    const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
      "img-src 'self'; base-uri 'none'; form-action 'none'";
    await withPage({}, async (page) => {
      const consoleErrors = [];
      page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
      await page.addInitScript(() => {
        const seen = [];
        Object.defineProperty(window, '__cspViolations', { value: seen });
        document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`), true);
      });
      await openTestPage(page, '/test/csp.html', testPage({
        head: `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
        body: '<main><h1>Strict CSP</h1></main>',
      }));
      const w = await openChat(page);
      const launcherStyle = await w.launcher.evaluate((e) => {
        const cs = getComputedStyle(e);
        return [cs.position, cs.backgroundColor, cs.borderRadius];
      });
      assert.deepEqual(launcherStyle, ['fixed', 'rgb(79, 70, 229)', '50%'], 'the stylesheet applied');
      assert.match(await ask(page, 'What services do you offer?'), /Software engineering/);
      await w.input.fill('a\nb\nc\nd');  // auto-growing box: CSSOM, allowed
      await w.input.fill('');
      await w.newConversation.click();
      await w.quickReplies.filter({ hasText: 'Pricing' }).click();
      await eventually(async () => assert.match(await w.botBubbles.last().innerText(), /Small projects/));
      await page.keyboard.press('Escape');
      await w.dialog.waitFor({ state: 'hidden' });
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(consoleErrors, []);

      // The detector itself works: an inline style attribute is reported.
      await page.evaluate(() => { const d = document.createElement('div'); d.setAttribute('style', 'color: red'); document.body.append(d); });
      await eventually(async () => assert.equal((await page.evaluate(() => window.__cspViolations)).length, 1));
    });
  });

  it('adds one global name, one element and no styles to the host page', async () => {
    await withPage({}, async (page) => {
      const snapshot = () => page.evaluate(() => ({
        globals: Object.getOwnPropertyNames(window),
        sheets: document.styleSheets.length,
        bodyChildren: [...document.body.children].map((e) => e.tagName.toLowerCase()),
        probe: getComputedStyle(document.getElementById('probe')).cssText ||
          ['font-family', 'font-size', 'color', 'line-height', 'margin'].map((p) => getComputedStyle(document.getElementById('probe')).getPropertyValue(p)).join('|'),
      }));
      await openTestPage(page, '/test/plain.html', testPage({ widgetTag: false }));
      const without = await snapshot();
      await openTestPage(page, '/test/with-widget.html', testPage());
      await widget(page).launcher.waitFor();
      const withWidget = await snapshot();
      assert.deepEqual(withWidget.globals.filter((name) => !without.globals.includes(name)), ['AtonixChat']);
      assert.equal(withWidget.sheets, without.sheets);
      assert.deepEqual(withWidget.bodyChildren, [...without.bodyChildren, 'script', 'atonix-chat']);
      assert.equal(withWidget.probe, without.probe);
      assert.equal(await page.evaluate(() => document.querySelector('atonix-chat').shadowRoot.mode), 'open');
      await page.evaluate(() => window.AtonixChat.open());
      await widget(page).dialog.waitFor();
    });
  });

  it('data- attributes set the title, greeting, accent, position and quick replies', async () => {
    await withPage({}, async (page) => {
      await openTestPage(page, '/test/configured.html', testPage({
        attributes: 'data-api="" data-title="Acme Support" data-greeting="Hello from Acme! How can we help?" ' +
          'data-accent="#0f766e" data-position="bottom-left" data-quick-replies="Pricing | What services do you offer?|"',
      }));
      const w = widget(page);
      await w.launcher.waitFor();
      const box = await w.launcher.boundingBox();
      assert.ok(box.x < 100, `launcher on the left: ${box.x}`);
      assert.equal(await w.launcher.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(15, 118, 110)');
      await w.launcher.click();
      await w.dialog.waitFor();
      assert.ok((await w.dialog.boundingBox()).x < 100, 'panel on the left');
      assert.equal(await w.dialog.getByRole('heading').innerText(), 'Acme Support');
      assert.equal(await w.botBubbles.first().innerText(), 'Hello from Acme! How can we help?');
      assert.deepEqual(await w.quickReplies.allInnerTexts(), ['Pricing', 'What services do you offer?']);
      await w.quickReplies.nth(1).click();
      await eventually(async () => assert.match(await w.botBubbles.last().innerText(), /Software engineering/));
      assert.equal(await w.visitorBubbles.last().innerText(), 'What services do you offer?');
      assert.equal(await w.visitorBubbles.last().evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(15, 118, 110)');
    });
  });

  it('quick replies on the demo page send their question', async () => {
    await withPage({}, async (page) => {
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      assert.deepEqual(await w.quickReplies.allInnerTexts(), ['Services', 'Cloud infrastructure', 'Pricing', 'Portfolio']);
      await w.quickReplies.filter({ hasText: 'Portfolio' }).click();
      await eventually(async () => assert.match(await w.botBubbles.last().innerText(), /Atonix Cloud Platform/));
      assert.equal(await w.visitorBubbles.last().innerText(), 'Portfolio');
      assert.equal(await w.quickReplies.count(), 0);
    });
  });

  it('text contrast meets WCAG AA, with the default and with a light accent', async () => {
    for (const attributes of ['data-api=""', 'data-api="" data-accent="#fde047"', 'data-api="" data-accent="rgb(14, 165, 233)"']) {
      await withPage({}, async (page) => {
        await page.route(ASK, (route) => route.fulfill({ status: 503, contentType: 'application/json',
          body: '{"error":{"code":"unavailable","message":"database unreachable"}}' }));
        await openTestPage(page, '/test/contrast.html', testPage({ attributes }));
        const w = await openChat(page);
        await w.input.fill('A question that fails');
        await w.input.press('Enter');
        await w.retry.waitFor();
        await settled(page);
        const failed = await page.evaluate(auditContrast); // greeting, quick replies, error, the box's text
        assert.ok(failed.checked >= 8, `checked ${failed.checked} texts`);
        assert.deepEqual(failed.failures, [], attributes);
        await page.unroute(ASK);
        await w.retry.click();
        await eventually(async () => assert.equal(await w.botBubbles.count(), 2));
        await w.status.waitFor({ state: 'hidden' });
        await settled(page);
        const answered = await page.evaluate(auditContrast); // visitor and bot bubbles, Markdown
        assert.ok(answered.checked >= 8, `checked ${answered.checked} texts`);
        assert.deepEqual(answered.failures, [], attributes);
        const launcher = await w.launcher.evaluate((e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]);
        assert.notEqual(launcher[0], launcher[1]);
      });
    }
  });

  it('fits a 375x667 phone: full-screen panel, no horizontal scroll, 44 px targets', async () => {
    await withPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, async (page) => {
      await page.goto(stack.url + '/');
      const w = widget(page);
      await w.launcher.waitFor();
      const noHorizontalScroll = async () => {
        const sizes = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(sizes[0] <= sizes[1], `page scrolls sideways: ${sizes}`);
      };
      await noHorizontalScroll();
      const launcher = await w.launcher.boundingBox();
      assert.ok(launcher.width >= 44 && launcher.height >= 44);
      assert.ok(launcher.x >= 0 && launcher.x + launcher.width <= 375 && launcher.y + launcher.height <= 667);
      await w.launcher.tap();
      await w.dialog.waitFor();
      await settled(page);
      const panel = await w.dialog.boundingBox();
      assert.deepEqual([panel.x, panel.y, panel.width, panel.height].map(Math.round), [0, 0, 375, 667]);
      const targets = await w.dialog.getByRole('button').evaluateAll((buttons) => buttons
        .filter((b) => b.getClientRects().length)
        .map((b) => { const r = b.getBoundingClientRect(); return [b.getAttribute('aria-label') || b.textContent, r.width, r.height]; }));
      assert.ok(targets.length >= 7, JSON.stringify(targets)); // new, close, 4 quick replies, send
      for (const [name, width, height] of targets) assert.ok(width >= 44 && height >= 44, `${name}: ${width}x${height}`);

      await ask(page, 'What services do you offer?');
      await w.input.fill('Could you start next month?');
      const input = await w.input.boundingBox();
      const send = await w.send.boundingBox();
      assert.ok(input.y + input.height <= 667 && send.y + send.height <= 667 && send.x + send.width <= 375);
      await noHorizontalScroll();
      await settled(page);
      await showLastQuestion(page);
      await screenshot(page, 'widget-mobile.png', 'widget-mobile.png');

      await ask(page, 'https://example.com/' + 'a'.repeat(300));
      const overflow = await page.evaluate(() => {
        const body = document.querySelector('atonix-chat').shadowRoot.querySelector('.acw-body');
        return [body.scrollWidth, body.clientWidth];
      });
      assert.ok(overflow[0] <= overflow[1], `the conversation scrolls sideways: ${overflow}`);
      await noHorizontalScroll();
    });
  });

  it('keyboard only: Tab to the launcher, Enter opens, Shift+Enter adds a line, Enter sends, Escape closes', async () => {
    await withPage({}, async (page) => {
      await page.goto(stack.url + '/');
      const w = widget(page);
      await w.launcher.waitFor();
      const ring = () => w.launcher.evaluate((e) => `${getComputedStyle(e).outlineStyle} ${getComputedStyle(e).boxShadow}`);
      const unfocusedRing = await ring();
      let tabs = 0;
      while ((await focusedLabel(page)) !== 'Open chat') {
        assert.ok(++tabs < 80, 'Tab never reached the launcher');
        await page.keyboard.press('Tab');
      }
      assert.equal(await w.launcher.evaluate((e) => e.matches(':focus-visible')), true);
      assert.notEqual(await ring(), unfocusedRing, 'visible focus ring');

      await page.keyboard.press('Enter');
      await w.dialog.waitFor();
      assert.equal(await focusedLabel(page), 'Message');
      await page.keyboard.type('Pricing for a small project?');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('Thanks!');
      assert.equal(await w.input.inputValue(), 'Pricing for a small project?\nThanks!');
      assert.equal(await w.visitorBubbles.count(), 0, 'Shift+Enter does not send');
      await page.keyboard.press('Tab');
      assert.equal(await focusedLabel(page), 'Send', 'Tab goes from the box to Send');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focusedLabel(page), 'Message');

      await page.keyboard.press('Enter');
      await eventually(async () => assert.equal(await w.visitorBubbles.count(), 1));
      assert.equal(await w.visitorBubbles.first().innerText(), 'Pricing for a small project?\nThanks!');
      await eventually(async () => assert.match(await w.botBubbles.last().innerText(), /Small projects/));
      assert.equal(await focusedLabel(page), 'Message', 'focus stays in the box');

      await page.keyboard.press('Escape');
      await w.dialog.waitFor({ state: 'hidden' });
      assert.equal(await focusedLabel(page), 'Open chat', 'focus returns to the launcher');
      assert.equal(await w.launcher.getAttribute('aria-expanded'), 'false');
      await page.keyboard.press('Enter');
      await w.dialog.waitFor();
      assert.equal(await w.visitorBubbles.count(), 1, 'the conversation is still there');
    });
  });

  it('429 says when to retry and keeps the text; "Try again" sends it', async () => {
    await withPage({}, async (page) => {
      let retryAfter = '42';
      let calls = 0;
      await page.route(ASK, (route) => {
        calls++;
        route.fulfill({ status: 429, contentType: 'application/json', headers: { 'Retry-After': retryAfter },
          body: '{"error":{"code":"rate_limited","message":"too many requests, try again later"}}' });
      });
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await w.input.fill('Do you build mobile apps?');
      await w.input.press('Enter');
      await eventually(async () => assert.match(await w.alert.innerText(), /try again in 42 seconds/));
      assert.equal(await w.input.inputValue(), 'Do you build mobile apps?');
      assert.equal(await w.visitorBubbles.count(), 0, 'the unsent message is not shown as sent');
      assert.equal(await w.status.isVisible(), false);

      retryAfter = new Date(Date.now() + 180000).toUTCString();
      await w.retry.click();
      await eventually(async () => assert.match(await w.alert.innerText(), /try again in 3 minutes/));
      assert.equal(calls, 2);
      assert.equal(await w.input.inputValue(), 'Do you build mobile apps?');

      await page.unroute(ASK);
      await w.retry.click();
      await eventually(async () => assert.equal(await w.botBubbles.count(), 2));
      assert.equal(await w.visitorBubbles.last().innerText(), 'Do you build mobile apps?');
      assert.equal(await w.alert.innerText(), '');
      assert.equal(await w.input.inputValue(), '');
    });
  });

  it('5xx shows a server error and keeps the text', async () => {
    await withPage({}, async (page) => {
      let reply = { status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"database unreachable"}}' };
      await page.route(ASK, (route) => route.fulfill(reply));
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await w.input.fill('Can you migrate us to AWS?');
      await w.input.press('Enter');
      await eventually(async () => assert.match(await w.alert.innerText(), /something went wrong on our side \(error 503\)/i));
      assert.equal(await w.input.inputValue(), 'Can you migrate us to AWS?');
      assert.equal(await w.visitorBubbles.count(), 0);

      reply = { status: 500, contentType: 'text/html', body: '<html><body><h1>500 Internal Server Error</h1></body></html>' };
      await w.input.press('Enter');
      await eventually(async () => assert.match(await w.alert.innerText(), /\(error 500\)/));
      assert.equal(await w.input.inputValue(), 'Can you migrate us to AWS?');
      assert.equal(await page.evaluate(() => document.querySelector('atonix-chat').shadowRoot.querySelectorAll('h1').length), 0);
    });
  });

  it('offline shows an offline message and keeps the text', async () => {
    await withPage({}, async (page, context) => {
      await page.goto(stack.url + '/');
      const w = await openChat(page);
      await context.setOffline(true);
      await w.input.fill('Are you there?');
      await w.input.press('Enter');
      await eventually(async () => assert.match(await w.alert.innerText(), /offline/i));
      assert.equal(await w.input.inputValue(), 'Are you there?');
      await context.setOffline(false);
      await w.retry.click();
      await eventually(async () => assert.equal(await w.botBubbles.count(), 2));
      assert.equal(await w.alert.innerText(), '');
    });
  });

  it('respects prefers-reduced-motion', async () => {
    const animations = async (reducedMotion) => {
      let count;
      await withPage({ reducedMotion }, async (page) => {
        const gate = deferred();
        await page.route(ASK, async (route) => { await gate.promise; await route.continue(); });
        await page.goto(stack.url + '/');
        const w = await openChat(page);
        await w.input.fill('Hello');
        await w.input.press('Enter');
        await w.status.waitFor();
        count = await page.evaluate(() => document.querySelector('atonix-chat').shadowRoot.getAnimations().length);
        gate.resolve();
      });
      return count;
    };
    assert.ok(await animations('no-preference') > 0, 'animated by default');
    assert.equal(await animations('reduce'), 0);
  });
});

describe('streaming end to end: the model service over TLS, through the worker and nginx', () => {
  let model;
  let stack;
  let browser;

  before(async () => {
    model = await new ModelServer().start();
    stack = await new Stack({
      HUGGINGFACE_API_KEY: 'hf_browser_test_token', CHAT_LLM_URL: `${model.url}/v1`,
      CHAT_CA_FILE: model.caFile, CHAT_LLM_TIMEOUT_MS: '20000',
    }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (stack) await stack.stop();
    if (model) model.stop();
  });

  it('the answer appears token by token before the model has finished', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const page = await context.newPage();
      const responses = [];
      page.on('response', (response) => {
        if (response.url().endsWith('/api/chatbot/ask/')) responses.push(response.headers()['content-type']);
      });
      await page.goto(stack.url + '/');
      const w = widget(page);
      await w.launcher.click();
      await w.dialog.waitFor();
      await model.behave({ mode: 'slow_stream', gap_ms: 250, times: 1 }); // about 20 tokens, 5 s
      await w.input.fill('Tell me everything, slowly');
      await w.input.press('Enter');
      const bubble = w.botBubbles.nth(1);
      const partial = await eventually(async () => {
        const text = await bubble.innerText();
        assert.match(text, /^Model answer:/);
        return text;
      }, 15000);
      assert.doesNotMatch(partial, /small projects\./, `already complete: ${partial}`);
      assert.equal(await w.status.isVisible(), false, 'the typing status gives way to the text');
      await idle(page); // `done` arrived: the exchange is stored
      assert.match(await bubble.innerText(),
        /^Model answer: AtonixDev offers software engineering, .* Prices start at 5K\u20ac \ud83d\ude80 for small projects\.$/);
      assert.match(responses[0], /^text\/event-stream/);
      const session = await page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
      assert.match(session || '', UUID);

      await page.reload(); // what was streamed is what was stored
      await w.launcher.click();
      await eventually(async () => assert.equal(await w.botBubbles.count(), 2, await w.dialog.innerText()));
      assert.match(await w.botBubbles.nth(1).innerText(), /for small projects\.$/);
    } finally {
      await context.close();
    }
  });
});
