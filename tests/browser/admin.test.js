'use strict';
// Browser test of the admin dashboard (issue 5, contract section 5 /admin/): Debian's headless
// Chromium driven by playwright-core against the real stack (scripts/run with CHAT_ADMIN_TOKEN).
// Signs in (a wrong token first), sees the totals and the three charts drawn, searches, opens a
// transcript, exports CSV, erases a conversation after confirming, and checks that the token is
// kept in sessionStorage only and that the strict Content-Security-Policy is never violated.
// Run: cd tests/browser && npm ci && CHAT_TEST_BUILD_DIR=/path/to/build node --test admin.test.js
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Stack, launchBrowser, eventually, screenshot } = require('./stack');

const TOKEN = 'browser-admin-token-0123456789abcdef';
const DESKTOP = { width: 1280, height: 1000 };

describe('admin dashboard in Chromium against the real stack', () => {
  let stack;
  let browser;
  const conversations = {};

  // A conversation through the visitor API; returns its session id.
  async function converse(questions, visitorInfo) {
    let sessionId;
    for (const message of questions) {
      const response = await fetch(`${stack.url}/api/chatbot/ask/`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ message, session_id: sessionId, visitor_info: visitorInfo }),
      });
      assert.equal(response.status, 200);
      sessionId = (await response.json()).session_id;
    }
    return sessionId;
  }

  async function adminGet(path) {
    return fetch(`${stack.url}/admin/api/${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  }

  before(async () => {
    stack = await new Stack({ CHAT_ADMIN_TOKEN: TOKEN }).start();
    browser = await launchBrowser();
    conversations.ada = await converse(['How much does a project cost?', 'Do you work with Kubernetes?'],
      { name: 'Ada Lovelace', email: 'ada@example.com' });
    conversations.grace = await converse(['Tell me about the zebrafinch migration'], { name: 'Grace Hopper' });
    conversations.anonymous = await converse(['What services do you offer?']);
  });

  after(async () => {
    if (browser) await browser.close();
    if (stack) await stack.stop();
  });

  it('signs in, charts, searches, shows a transcript, exports and erases', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    try {
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(`${stack.url}/admin/`);

      // A wrong token is refused and not kept.
      const token = page.getByLabel('Admin token');
      await token.fill('not-the-right-token-at-all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await eventually(async () => assert.match(await page.getByRole('alert').innerText(), /refused/));
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      errors.length = 0; // the browser logs the 401 as a failed resource

      await token.fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const totals = page.locator('#totals');
      await eventually(async () => {
        const text = await totals.innerText();
        assert.match(text, /Sessions\s+3\b/);
        assert.match(text, /Messages\s+8\b/);
      });

      // The three charts are drawn by Chart.js with the API's data.
      const charts = await page.evaluate(() => ['daily', 'latency', 'sources'].map((name) => {
        const canvas = document.getElementById(`${name}-chart`);
        const chart = window.Chart.getChart(canvas);
        return { name, width: canvas.width, height: canvas.height,
          data: chart ? chart.data.datasets.map((set) => set.data) : null };
      }));
      for (const chart of charts) {
        assert.ok(chart.data, `${chart.name}: no chart`);
        assert.ok(chart.width > 100 && chart.height > 100, `${chart.name}: ${chart.width}x${chart.height}`);
      }
      const daily = charts.find((chart) => chart.name === 'daily').data;
      assert.equal(daily[0].reduce((a, b) => a + b, 0), 8); // messages per day
      assert.equal(daily[1].reduce((a, b) => a + b, 0), 3); // sessions per day
      const sources = charts.find((chart) => chart.name === 'sources').data[0];
      assert.deepEqual(sources, [0, 4, 0, 0]); // model, knowledge, fallback, cache

      // The list, then a search.
      const rows = page.locator('#sessions tr');
      await eventually(async () => assert.equal(await rows.count(), 3));
      await page.getByLabel('Search conversations').fill('zebrafinch');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await eventually(async () => assert.equal(await rows.count(), 1));
      assert.match(await rows.first().innerText(), /Grace Hopper/);

      // A transcript.
      await page.getByLabel('Search conversations').fill('Lovelace');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await eventually(async () => assert.match(await rows.first().innerText(), /Ada Lovelace/));
      await rows.first().getByRole('button').click();
      const transcript = page.getByRole('region', { name: 'Transcript' });
      await eventually(async () => {
        const text = await transcript.innerText();
        assert.match(text, /How much does a project cost\?/);
        assert.match(text, /Do you work with Kubernetes\?/);
        assert.match(text, /ada@example\.com/);
      });
      assert.equal(await page.locator('#transcript li').count(), 4);
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'admin-dashboard.png', 'admin-dashboard.png');

      // Export: a CSV download with the header row and every message.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      assert.ok(csv.startsWith('id,session_id,created_at,sender,message,'), csv.slice(0, 100));
      assert.equal(csv.split(conversations.ada).length - 1, 4);

      // Erase, after confirming in the dialog: gone from the list and from both APIs.
      await page.getByRole('button', { name: 'Erase conversation' }).click();
      const dialog = page.getByRole('dialog', { name: 'Erase this conversation?' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Erase', exact: true }).click();
      await eventually(async () => assert.match(await page.getByRole('status').innerText(), /erased/));
      assert.equal((await adminGet(`sessions/${conversations.ada}`)).status, 404);
      assert.equal((await fetch(`${stack.url}/api/chatbot/session/${conversations.ada}/`)).status, 404);
      await eventually(async () => assert.match(await totals.innerText(), /Sessions\s+2\b/));

      // The token lives in this tab's sessionStorage only: kept over a reload, gone on sign-out.
      assert.equal(await page.evaluate(() => localStorage.length + document.cookie.length), 0);
      await page.reload();
      await eventually(async () => assert.match(await totals.innerText(), /Sessions\s+2\b/));
      await page.getByRole('button', { name: 'Sign out' }).click();
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      await page.getByLabel('Admin token').waitFor();

      assert.deepEqual(errors, [], 'errors or Content-Security-Policy violations in the page');
    } finally {
      await context.close();
    }
  });
});
