'use strict';
// Browser tests of the widget's engagement surface (contract section 6, issue 14) in Debian's
// headless Chromium against the real stack (scripts/run, the knowledge answerer): sources under
// answers, thumbs that are stored (and replaced), the comment after a thumbs down, the contact
// form ("Talk to a person") that stores a lead, the strings in German, French and Spanish, the
// teaser with its badge, and an axe-core audit (WCAG 2.2 A and AA rules) of the demo page with
// the widget open, on a desktop and a phone, and of the admin dashboard: no violation at all.
// Run: cd tests/browser && npm ci && CHAT_TEST_BUILD_DIR=/path/to/build node --test engagement.test.js
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Stack, launchBrowser, withPage: pageIn, eventually } = require('./stack');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };
const TOKEN = 'engagement-browser-admin-token-0123';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

describe('the widget\'s engagement surface, and accessibility judged by axe-core', () => {
  let stack;
  let browser;

  before(async () => {
    stack = await new Stack({ CHAT_ADMIN_TOKEN: TOKEN }).start();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
    if (stack) await stack.stop();
  });

  function sql(query) {
    return execFileSync('mariadb', ['--no-defaults', `--socket=${path.join(stack.varDir, 'mariadb', 'mariadb.sock')}`,
      '-uroot', '-N', '-B', 'chat', '-e', query], { encoding: 'utf8' }).trim();
  }

  const withPage = (options, body) => pageIn(browser, { viewport: DESKTOP, ...options }, body);

  // A page on the stack's origin that embeds the widget with `attributes`.
  async function openPage(page, attributes = '', lang = 'en') {
    const url = `${stack.url}/engagement-${Math.random().toString(36).slice(2)}.html`;
    const html = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Engagement</title></head>` +
      `<body><main><h1>Test page</h1></main><script src="/widget/chat-widget.js" data-api="" ${attributes} defer>` +
      '</script></body></html>';
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(url);
  }

  async function askAndWait(page, text) {
    const log = page.getByRole('log');
    const before = await log.locator('.acw-bot .acw-bubble').count();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await eventually(async () => {
      assert.equal(await log.locator('.acw-bot .acw-bubble').count(), before + 1);
      assert.equal(await page.evaluate(() => document.querySelector('atonix-chat').shadowRoot
        .querySelector('.acw').classList.contains('acw-busy')), false);
      assert.equal(await log.locator('.acw-bot').last().getByRole('group', { name: 'Rate this answer' }).count(), 1);
    }, 20000);
    return log.locator('.acw-bot').last();
  }

  async function axe(page, include) {
    await page.addScriptTag({ content: AXE });
    return page.evaluate(async ({ tags, include }) => {
      const result = await window.axe.run(include ? { include: [include] } : document,
        { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} [${n.any.map((c) => c.message).join('; ')}]`).join(', ')}`);
    }, { tags: WCAG_AA, include });
  }

  it('an answer shows its sources; thumbs are stored, rating again replaces, a thumbs down asks why', async () => {
    await withPage({}, async (page) => {
      await openPage(page);
      await page.getByRole('button', { name: 'Open chat', exact: true }).click();
      const answer = await askAndWait(page, 'How much does a small project cost?');
      assert.deepEqual(await answer.getByRole('list', { name: 'Sources' }).getByRole('listitem').allInnerTexts(), ['Pricing']);
      const helpful = answer.getByRole('button', { name: 'Helpful', exact: true });
      const notHelpful = answer.getByRole('button', { name: 'Not helpful', exact: true });
      assert.equal(await helpful.getAttribute('aria-pressed'), 'false');
      await helpful.click();
      await eventually(async () => assert.equal(await helpful.getAttribute('aria-pressed'), 'true'));
      const session = await page.evaluate(() => localStorage.getItem('atonix-chat-session'));
      await eventually(() => assert.equal(sql('SELECT GROUP_CONCAT(f.rating) FROM message_feedback f JOIN chat_messages m ' +
        `ON m.id = f.message_id WHERE m.session_id = '${session}'`), 'up'));

      await notHelpful.click();
      await eventually(async () => {
        assert.equal(await notHelpful.getAttribute('aria-pressed'), 'true');
        assert.equal(await helpful.getAttribute('aria-pressed'), 'false');
      });
      const why = answer.getByRole('textbox', { name: 'What was missing? (optional)' });
      await why.fill('The price of a large project');
      await answer.getByRole('button', { name: 'Send comment' }).click();
      await eventually(async () => assert.equal(await answer.locator('.acw-note').innerText(), 'Thanks for your feedback.'));
      assert.equal(sql('SELECT CONCAT(f.rating, \':\', f.comment) FROM message_feedback f JOIN chat_messages m ' +
        `ON m.id = f.message_id WHERE m.session_id = '${session}'`), 'down:The price of a large project');

      // After a reload the history's answers can be rated too (they show unrated: the transcript
      // carries no ratings), and rating again replaces the stored rating.
      await page.reload();
      await page.getByRole('button', { name: 'Open chat', exact: true }).click();
      const restored = page.getByRole('log').locator('.acw-bot').last();
      await restored.getByRole('button', { name: 'Helpful', exact: true }).click();
      await eventually(() => assert.equal(sql('SELECT GROUP_CONCAT(f.rating) FROM message_feedback f JOIN chat_messages m ' +
        `ON m.id = f.message_id WHERE m.session_id = '${session}'`), 'up'));
    });
  });

  it('"Talk to a person" opens the contact form, whose request is stored with the conversation', async () => {
    await withPage({}, async (page) => {
      await openPage(page);
      await page.getByRole('button', { name: 'Open chat', exact: true }).click();
      const answer = await askAndWait(page, 'Can I talk to a human about my project?');
      // The bot offers it too, under the answer.
      assert.equal(await answer.getByRole('button', { name: 'Talk to a person' }).count(), 1);
      await page.getByRole('dialog', { name: 'Chat' }).locator('.acw-foot').getByRole('button', { name: 'Talk to a person' }).click();
      const form = page.getByRole('form', { name: 'Contact' });
      await form.waitFor();
      await form.getByRole('textbox', { name: 'Your name' }).fill('Ada Lovelace');
      await form.getByRole('textbox', { name: 'Your email' }).fill('not an address');
      await form.getByRole('textbox', { name: 'How can we help?' }).fill('A cloud migration');
      await form.getByRole('button', { name: 'Send request' }).click();
      await page.waitForTimeout(500); // time enough for a request, had one been sent
      assert.equal(sql('SELECT COUNT(*) FROM leads'), '0'); // the browser's own check stops it
      assert.equal(await form.isVisible(), true);
      await form.getByRole('textbox', { name: 'Your email' }).fill('ada@example.com');
      await form.getByRole('button', { name: 'Send request' }).click();
      await form.waitFor({ state: 'detached' });
      await eventually(async () => assert.match(await page.getByRole('log').locator('.acw-bot .acw-bubble').last().innerText(),
        /^Thanks, Ada Lovelace! Someone from our team/));
      const session = await page.evaluate(() => localStorage.getItem('atonix-chat-session'));
      assert.equal(sql('SELECT CONCAT_WS(\'|\', session_id, name, email, message) FROM leads'),
        `${session}|Ada Lovelace|ada@example.com|A cloud migration`);
    });
  });

  it('speaks German, French and Spanish by data-lang or the browser\'s language', async () => {
    for (const [lang, openChat, helpful] of [['de', 'Chat öffnen', 'Hilfreich'], ['fr', 'Ouvrir le chat', 'Utile'],
      ['es', 'Abrir chat', 'Útil']]) {
      await withPage({ locale: lang }, async (page) => {
        await openPage(page, '', lang);
        await page.getByRole('button', { name: openChat, exact: true }).click();
        assert.equal(await page.locator('atonix-chat .acw').getAttribute('lang'), lang);
        await page.getByRole('textbox').first().fill('Pricing');
        await page.getByRole('textbox').first().press('Enter');
        await eventually(async () => assert.equal(await page.getByRole('button', { name: helpful, exact: true }).count(), 1), 20000);
      });
    }
    await withPage({ locale: 'en-US' }, async (page) => {
      await openPage(page, 'data-lang="de"');
      assert.equal(await page.getByRole('button', { name: 'Chat öffnen', exact: true }).count(), 1);
    });
  });

  it('the teaser appears after its delay with a badge, once per visitor', async () => {
    await withPage({}, async (page) => {
      await openPage(page, 'data-teaser="Questions about the cloud? Ask me." data-teaser-delay="0.3"');
      const teaser = page.getByRole('button', { name: 'Questions about the cloud? Ask me.' });
      await teaser.waitFor();
      assert.equal(await page.locator('atonix-chat .acw-badge').isVisible(), true);
      await teaser.click();
      await page.getByRole('dialog', { name: 'Chat' }).waitFor();
      assert.equal(await teaser.count(), 0);
      assert.equal(await page.locator('atonix-chat .acw-badge').isVisible(), false);
      await page.reload();
      await page.waitForTimeout(800);
      assert.equal(await teaser.count(), 0); // seen: not again
    });
    await withPage({}, async (page) => {
      await openPage(page, 'data-teaser="Hello there" data-teaser-delay="0"');
      await page.getByRole('button', { name: 'Dismiss' }).click();
      assert.equal(await page.getByRole('button', { name: 'Hello there' }).count(), 0);
    });
  });

  it('axe-core finds no WCAG 2.2 AA violation on the demo page with the widget open, desktop and phone', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      await withPage({ viewport, bypassCSP: true }, async (page) => { // axe is injected inline
        await page.goto(`${stack.url}/`);
        await page.getByRole('button', { name: 'Open chat', exact: true }).click();
        await askAndWait(page, 'Can I talk to a person about pricing?');
        await page.getByRole('dialog', { name: 'Chat' }).locator('.acw-foot').getByRole('button', { name: 'Talk to a person' }).click();
        await page.getByRole('form', { name: 'Contact' }).waitFor();
        await page.waitForTimeout(400); // animations end
        assert.deepEqual(await axe(page), [], `${viewport.width}x${viewport.height}`);
      });
    }
  });

  it('axe-core finds no WCAG 2.2 AA violation on the admin dashboard', async () => {
    await withPage({ bypassCSP: true }, async (page) => { // axe is injected inline
      await page.goto(`${stack.url}/admin/`);
      assert.deepEqual(await axe(page), [], 'the sign-in form');
      await page.getByLabel('Admin token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#totals').waitFor();
      // What the tests above left: a lead, a rating, the questions asked.
      await eventually(async () => {
        assert.match(await page.locator('#leads').innerText(), /Ada Lovelace\s+ada@example\.com\s+A cloud migration/);
        assert.match(await page.getByRole('region', { name: 'Top questions' }).innerText(), /How much does a small project cost\?/);
        assert.match(await page.locator('#totals').innerText(), /Rated helpful\s+[1-9]/);
        const helpfulPerDay = await page.evaluate(() =>
          window.Chart.getChart(document.getElementById('ratings-chart')).data.datasets[0].data);
        assert.ok(helpfulPerDay.reduce((sum, n) => sum + n, 0) >= 1, 'the ratings per day chart');
      });
      await page.waitForTimeout(1500); // the charts drawn
      assert.deepEqual(await axe(page), [], 'the dashboard');
    });
  });
});
