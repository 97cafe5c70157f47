// The admin dashboard: signs in with the admin token (kept in sessionStorage only), then shows
// the statistics, charts (Chart.js, vendor/chart.umd.js), the top questions, the answers rated not
// helpful, the requests to talk to a person, conversations and transcripts from the admin API,
// exports CSV and erases a conversation after confirmation. Server text is only ever
// put into the page as text (textContent), never as HTML.
(function () {
  'use strict';

  const TOKEN_KEY = 'atonix-admin-token';
  const PAGE_SIZE = 50;
  const DEFAULT_DAYS = 30;

  const $ = (id) => document.getElementById(id);
  const state = { offset: 0, total: 0, query: '', sessionId: null, charts: {} };

  // --- the API ----------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options = {}) {
    const response = await fetch('/admin/api/' + path, {
      ...options,
      headers: { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY) },
      cache: 'no-store',
    });
    if (response.ok) return response;
    let message = response.status + ' ' + response.statusText;
    try {
      message = (await response.json()).error.message;
    } catch (ignored) { /* not the contract's JSON: keep the status line */ }
    if (response.status === 401) signOut('The token was refused.');
    throw new ApiError(response.status, message);
  }

  const json = async (path) => (await api(path)).json();

  function rangeQuery() {
    return new URLSearchParams({ from: $('from').value, to: $('to').value });
  }

  function setStatus(text) {
    $('status').textContent = text;
  }

  // Runs an action, showing its failure in the status line.
  async function attempt(action) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setStatus('Error: ' + error.message);
    }
  }

  // --- signing in and out -------------------------------------------------------------------

  function signOut(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('dashboard').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = reason || '';
    $('token').value = '';
    $('token').focus();
  }

  async function showDashboard() {
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('sign-out').hidden = false;
    await refresh();
  }

  // --- statistics and charts ----------------------------------------------------------------

  function formatNumber(value) {
    if (value === null || value === undefined) return '–';
    return typeof value === 'string' ? value : Number(value).toLocaleString('en');
  }

  function renderTotals(stats) {
    const rt = stats.response_time_ms;
    const items = [
      ['Sessions', stats.sessions], ['Messages', stats.messages],
      ['Visitor messages', stats.visitor_messages], ['Bot answers', stats.bot_messages],
      ['Average response (ms)', rt.avg], ['p50 response (ms)', rt.p50],
      ['p95 response (ms)', rt.p95], ['Slowest response (ms)', rt.max],
      ['Rated helpful', stats.feedback?.up], ['Rated not helpful', stats.feedback?.down],
      ['Helpful share', helpfulShare(stats.feedback)], ['Requests for a person', stats.leads],
    ];
    const list = $('totals');
    list.replaceChildren();
    for (const [label, value] of items) {
      const item = document.createElement('div');
      const term = document.createElement('dt');
      const detail = document.createElement('dd');
      term.textContent = label;
      detail.textContent = formatNumber(value);
      item.append(term, detail);
      list.append(item);
    }
  }

  function helpfulShare(feedback) {
    const rated = (feedback?.up || 0) + (feedback?.down || 0);
    return rated ? Math.round((100 * feedback.up) / rated) + '%' : null;
  }

  function drawChart(name, config) {
    if (state.charts[name]) state.charts[name].destroy();
    state.charts[name] = new window.Chart($(name + '-chart'), config);
  }

  function renderCharts(stats) {
    const rt = stats.response_time_ms;
    const common = { responsive: true, maintainAspectRatio: false, animation: false };
    drawChart('daily', {
      type: 'line',
      data: {
        labels: stats.per_day.map((day) => day.date),
        datasets: [
          { label: 'Messages', data: stats.per_day.map((day) => day.messages), borderColor: '#2557d6', backgroundColor: '#2557d6', tension: 0.2 },
          { label: 'Sessions', data: stats.per_day.map((day) => day.sessions), borderColor: '#f0a500', backgroundColor: '#f0a500', tension: 0.2 },
        ],
      },
      options: { ...common, scales: { y: { beginAtZero: true } } },
    });
    drawChart('latency', {
      type: 'bar',
      data: {
        labels: ['average', 'p50', 'p95', 'max'],
        datasets: [{ label: 'Response time (ms)', data: [rt.avg, rt.p50, rt.p95, rt.max], backgroundColor: ['#7a8cb3', '#2557d6', '#f0a500', '#b3261e'] }],
      },
      options: { ...common, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    });
    const sources = ['model', 'knowledge', 'fallback', 'cache'];
    drawChart('sources', {
      type: 'doughnut',
      data: {
        labels: sources,
        datasets: [{ data: sources.map((source) => stats.sources[source]), backgroundColor: ['#2557d6', '#2f9e6e', '#b3261e', '#f0a500'] }],
      },
      options: common,
    });
    const rated = stats.feedback_per_day || [];
    drawChart('ratings', {
      type: 'bar',
      data: {
        labels: rated.map((day) => day.date),
        datasets: [
          { label: 'Helpful', data: rated.map((day) => day.up), backgroundColor: '#2f9e6e' },
          { label: 'Not helpful', data: rated.map((day) => day.down), backgroundColor: '#b3261e' },
        ],
      },
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
  }

  async function loadStats() {
    const stats = await json('stats?' + rangeQuery());
    renderTotals(stats);
    renderCharts(stats);
  }

  // --- engagement: top questions, answers rated down, leads -----------------------------------

  function item(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function when(iso) {
    return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  }

  function renderTopQuestions(questions) {
    const list = $('top-questions');
    list.replaceChildren(...questions.map((q) => {
      const entry = item('li', q.question);
      entry.append(' ', item('span', '×' + formatNumber(q.count), 'count'));
      return entry;
    }));
    if (!questions.length) list.append(item('li', 'No questions in this range.', 'empty'));
  }

  function renderRatedDown(page) {
    const list = $('rated-down');
    list.replaceChildren(...page.feedback.map((entry) => {
      const row = item('li', '');
      const open = item('button', entry.answer.length > 160 ? entry.answer.slice(0, 157) + '…' : entry.answer);
      open.type = 'button';
      open.className = 'link';
      open.addEventListener('click', () => attempt(() => openTranscript(entry.session_id)));
      row.append(open, item('span', entry.comment ? '“' + entry.comment + '”' : 'No comment', 'comment'),
        item('span', when(entry.created_at), 'meta'));
      return row;
    }));
    if (!page.feedback.length) list.append(item('li', 'No answer was rated not helpful in this range.', 'empty'));
  }

  function renderLeads(page) {
    const body = $('leads');
    body.replaceChildren(...page.leads.map((lead) => {
      const row = document.createElement('tr');
      row.append(cell(when(lead.created_at)), cell(lead.name), cell(lead.email), cell(lead.message, 'last'),
        cell(lead.delivered ? 'Yes' : 'Not yet'));
      return row;
    }));
  }

  async function loadEngagement() {
    const query = rangeQuery();
    const [top, rated, leads] = await Promise.all([
      json('top-questions?' + query + '&limit=10'),
      json('feedback?' + query + '&rating=down&limit=10'),
      json('leads?' + query + '&limit=20'),
    ]);
    renderTopQuestions(top.questions);
    renderRatedDown(rated);
    renderLeads(leads);
  }

  // --- conversations ------------------------------------------------------------------------

  const cell = (text, className) => item('td', text, className);

  function visitorName(info) {
    return info.name || info.email || 'Anonymous';
  }

  function renderSessions(page) {
    const body = $('sessions');
    body.replaceChildren();
    for (const session of page.sessions) {
      const row = document.createElement('tr');
      row.dataset.sessionId = session.session_id;
      if (session.session_id === state.sessionId) row.className = 'selected';
      const open = document.createElement('button');
      open.type = 'button';
      open.textContent = visitorName(session.visitor_info);
      open.setAttribute('aria-label', 'Open the conversation of ' + visitorName(session.visitor_info) + ' started ' + session.created_at);
      const who = document.createElement('td');
      who.append(open);
      row.append(cell(session.created_at.replace('T', ' ').replace(/(\.\d+)?Z$/, '')), who,
        cell(String(session.message_count)), cell(session.last_message || '', 'last'));
      row.addEventListener('click', () => attempt(() => openTranscript(session.session_id)));
      body.append(row);
    }
    state.total = page.total;
    const first = page.total === 0 ? 0 : state.offset + 1;
    const last = state.offset + page.sessions.length;
    // A search counts its matches up to a cap: then the total is "more than" it, and the pages
    // go on while they are full.
    const total = page.total_capped ? 'more than ' + formatNumber(page.total) : formatNumber(page.total);
    $('page-info').textContent = first + '–' + last + ' of ' + total;
    $('previous-page').disabled = state.offset === 0;
    $('next-page').disabled = page.total_capped ? page.sessions.length < PAGE_SIZE : last >= page.total;
  }

  async function loadSessions() {
    const query = rangeQuery();
    if (state.query) query.set('q', state.query);
    query.set('limit', PAGE_SIZE);
    query.set('offset', state.offset);
    renderSessions(await json('sessions?' + query));
  }

  // --- one transcript -------------------------------------------------------------------------

  async function openTranscript(sessionId) {
    const transcript = await json('sessions/' + encodeURIComponent(sessionId));
    state.sessionId = sessionId;
    for (const row of $('sessions').children) row.classList.toggle('selected', row.dataset.sessionId === sessionId);
    const info = transcript.visitor_info;
    const who = [info.name, info.email].filter(Boolean).join(' · ') || 'Anonymous visitor';
    $('transcript-meta').textContent = who + ' · started ' + transcript.created_at + ' · session ' + transcript.session_id;
    const list = $('transcript');
    list.replaceChildren();
    for (const message of transcript.messages) {
      const item = document.createElement('li');
      item.className = message.sender === 'bot' ? 'bot' : 'visitor';
      const label = document.createElement('span');
      label.className = 'who';
      const detail = message.sender === 'bot' ? ' · ' + message.source + ' · ' + message.response_time_ms + ' ms' : '';
      label.textContent = message.sender + ' · ' + message.created_at + detail;
      item.append(label, document.createTextNode(message.message));
      list.append(item);
    }
    $('transcript-panel').hidden = false;
  }

  function closeTranscript() {
    state.sessionId = null;
    $('transcript-panel').hidden = true;
    for (const row of $('sessions').children) row.classList.remove('selected');
  }

  function confirmErase() {
    const dialog = $('erase-dialog');
    dialog.returnValue = '';
    dialog.showModal();
  }

  async function erase() {
    const sessionId = state.sessionId;
    await api('sessions/' + encodeURIComponent(sessionId), { method: 'DELETE' });
    closeTranscript();
    setStatus('Conversation ' + sessionId + ' erased.');
    await Promise.all([loadStats(), loadSessions(), loadEngagement()]);
  }

  // --- export -------------------------------------------------------------------------------

  // A link cannot carry the Authorization header, so the CSV is fetched and handed over as a blob.
  async function exportCsv() {
    setStatus('Exporting…');
    const response = await api('export.csv?' + rangeQuery());
    const blob = await response.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'chat-messages-' + $('from').value + '-to-' + $('to').value + '.csv';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    setStatus('Exported ' + formatNumber(blob.size) + ' bytes.');
  }

  // --- wiring -------------------------------------------------------------------------------

  async function refresh() {
    setStatus('Loading…');
    await Promise.all([loadStats(), loadSessions(), loadEngagement()]);
    setStatus('Updated ' + new Date().toLocaleTimeString('en'));
  }

  function defaultRange() {
    const today = new Date();
    const from = new Date(today.getTime() - (DEFAULT_DAYS - 1) * 86400000);
    $('to').value = today.toISOString().slice(0, 10);
    $('from').value = from.toISOString().slice(0, 10);
  }

  function start() {
    defaultRange();
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('login-error').textContent = '';
      attempt(showDashboard);
    });
    $('sign-out').addEventListener('click', () => signOut());
    $('range-form').addEventListener('submit', (event) => {
      event.preventDefault();
      state.offset = 0;
      attempt(refresh);
    });
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      state.query = $('search').value.trim();
      state.offset = 0;
      attempt(loadSessions);
    });
    $('previous-page').addEventListener('click', () => {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      attempt(loadSessions);
    });
    $('next-page').addEventListener('click', () => {
      state.offset += PAGE_SIZE;
      attempt(loadSessions);
    });
    $('export').addEventListener('click', () => attempt(exportCsv));
    $('close-transcript').addEventListener('click', closeTranscript);
    $('erase').addEventListener('click', confirmErase);
    $('erase-dialog').addEventListener('close', () => {
      if ($('erase-dialog').returnValue === 'erase') attempt(erase);
    });
    if (sessionStorage.getItem(TOKEN_KEY)) attempt(showDashboard);
  }

  document.addEventListener('DOMContentLoaded', start);
}());
