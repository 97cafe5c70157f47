/* AtonixDev chat widget (contract sections 3 and 5); README.md documents its data- attributes.
 * One open shadow root styled by chat-widget.css through a <link> (works under a strict CSP);
 * server text only ever becomes text nodes; one global: AtonixChat {open, close, reset}. */
(() => {
  'use strict';
  if (window.AtonixChat) return;
  const script = document.currentScript || document.querySelector('script[src*="chat-widget.js"]');
  if (!script || !script.src) return;

  const KEY = 'atonix-chat-session';
  const ds = script.dataset;
  const src = new URL(script.src, location.href);
  const api = (ds.api || src.origin).replace(/\/+$/, '');
  const title = ds.title || 'AtonixDev';
  const greeting = ds.greeting || `Hi there! I\u2019m the ${title} assistant. Ask me about our ` +
    'services, cloud infrastructure, pricing or recent projects.';
  const replies = (ds.quickReplies ?? 'Services|Cloud infrastructure|Pricing|Portfolio')
    .split('|').map((s) => s.trim()).filter(Boolean);

  // h('p', {class, text, onclick, ...attributes}, children)
  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : value);
    }
    for (const child of [].concat(children ?? [])) if (child != null) el.append(child);
    return el;
  }
  const ICONS = {
    chat: 'M7.9 20A9 9 0 1 0 4 16.1L2 22Z', down: 'm6 9 6 6 6-6', close: 'M18 6 6 18M6 6l12 12',
    send: 'M22 2 11 13M22 2l-7 20-4-9-9-4Z',
    pen: 'M12 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7M18.4 2.6a2.1 2.1 0 0 1 3 3L12 15l-4 1 1-4Z',
    alert: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20ZM12 8v4M12 16h.01',
  };
  function icon(name, cls) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    const path = document.createElementNS(svg.namespaceURI, 'path');
    path.setAttribute('d', ICONS[name]);
    for (const [k, v] of [['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['class', cls || '']]) svg.setAttribute(k, v);
    svg.append(path);
    return svg;
  }

  // Markdown subset: paragraphs, lists, # lines as bold, ``` blocks, `code`, **bold**, http(s) links.
  const safeUrl = (url) => {
    try {
      const u = new URL(url);
      return /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  };
  const link = (href, text) => h('a', {href, target: '_blank', rel: 'noopener'}, text);
  const INLINE = /`([^`\n]+)`|\*\*(?=\S)([^]*?\S)\*\*|__(?=\S)([^]*?\S)__|\[([^\]\n]+)\]\(\s*([^\s)]+)\s*\)|(https?:\/\/[^\s<>"]+)/g;
  function inline(text) {
    const out = document.createDocumentFragment();
    const re = new RegExp(INLINE);
    let last = 0, m;
    while ((m = re.exec(text))) {
      out.append(text.slice(last, m.index));
      last = re.lastIndex;
      if (m[1] != null) out.append(h('code', {text: m[1]}));
      else if (m[2] != null || m[3] != null) out.append(h('strong', null, inline(m[2] ?? m[3])));
      else if (m[4] != null) out.append(safeUrl(m[5]) ? link(safeUrl(m[5]), m[4]) : m[4]);
      else {
        const tail = /[.,;:!?)\]'*]*$/.exec(m[6])[0];
        const url = m[6].slice(0, m[6].length - tail.length);
        last -= tail.length;
        out.append(safeUrl(url) ? link(safeUrl(url), url) : url);
      }
    }
    out.append(text.slice(last));
    return out;
  }
  function markdown(text) {
    const out = document.createDocumentFragment();
    const lines = String(text).split(/\r\n?|\n/);
    let para = null, list = null, m;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (/^\s*```/.test(line)) {
        const code = [];
        while (++i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i]);
        out.append(h('pre', null, h('code', {text: code.join('\n')})));
        para = list = null;
      } else if (!line.trim()) {
        para = list = null;
      } else if ((m = /^\s*(?:[-*+\u2022]|(\d{1,9})[.)])\s+(.*)$/.exec(line))) {
        const tag = m[1] == null ? 'UL' : 'OL';
        if (list?.tagName !== tag) out.append(list = h(tag, m[1] > 1 ? {start: +m[1]} : null));
        list.append(h('li', null, inline(m[2])));
        para = null;
      } else if ((m = /^#{1,6}\s+(.*)$/.exec(line))) {
        out.append(h('p', null, h('strong', null, inline(m[1]))));
        para = list = null;
      } else if (list && /^\s{2,}\S/.test(line)) {
        list.lastChild.append(' ', inline(line.trim()));
      } else {
        if (para) para.append(h('br'));
        else out.append(para = h('p'));
        list = null;
        para.append(inline(line));
      }
    }
    return out;
  }

  // Server-sent events: push() decoded text in chunks that may end anywhere.
  function sseParser(onEvent) {
    let buffer = '', type = '', data = [];
    const line = (text) => {
      if (!text) {
        if (data.length) onEvent(type || 'message', data.join('\n'));
        type = ''; data = [];
      } else if (text[0] !== ':') {
        const colon = text.indexOf(':');
        const field = colon < 0 ? text : text.slice(0, colon);
        const value = colon < 0 ? '' : text.slice(colon + (text[colon + 1] === ' ' ? 2 : 1));
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
    };
    return {
      push(chunk) {
        // A \r at the end may be the first half of \r\n: it waits for the next chunk.
        const lines = (buffer + chunk).split(/\r\n|\r(?!$)|\n/);
        buffer = lines.pop();
        lines.forEach(line);
      },
      end() { line(buffer.replace(/\r$/, '')); line(''); buffer = ''; },
    };
  }

  // Storage may be unavailable (private modes, sandboxed frames).
  let session = null;
  try { session = localStorage.getItem(KEY); } catch (e) { /* none */ }
  function remember(id) {
    if (!id || id === session) return;
    session = id;
    try { localStorage.setItem(KEY, id); } catch (e) { /* kept in memory only */ }
  }
  function forget() {
    session = null;
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
  }

  // Network failures are thrown as {kind, message}.
  const fail = (kind, message) => ({kind, message});
  const SORRY = 'Please try again.';
  function networkFailure(signal) {
    if (signal?.aborted) return fail('aborted', '');
    if (navigator.onLine === false) {
      return fail('offline', 'You\u2019re offline. Send your message again once you\u2019re back online.');
    }
    return fail('network', 'We couldn\u2019t reach the chat service. Check your connection and try again.');
  }
  function when(header) {
    let s = /^\s*\d+\s*$/.test(header || '') ? +header : Math.ceil((Date.parse(header) - Date.now()) / 1000);
    if (!(s >= 0)) return 'in a minute';
    return s <= 1 ? 'in a second' : s < 90 ? `in ${s} seconds` : `in ${Math.ceil(s / 60)} minutes`;
  }
  async function httpFailure(res) {
    const body = await res.json().catch(() => null);
    const detail = typeof body?.error?.message === 'string' ? body.error.message : '';
    const s = res.status;
    if (s === 429) return fail('rate', `You\u2019re sending messages faster than we can answer. Please try again ${when(res.headers.get('Retry-After'))}.`);
    if (s === 413) return fail('client', 'That message is too long. Please shorten it and try again.');
    if (s < 500 && detail) return fail('client', `Your message couldn\u2019t be sent: ${detail}.`);
    return fail('server', `Sorry, something went wrong on our side (error ${s}). Please try again in a moment.`);
  }

  // Reads an SSE answer, calling on.session(id) and on.token(text); returns the `done` event.
  async function readStream(res, on) {
    const reader = res.body.getReader(), decoder = new TextDecoder();
    let result = null, error = null;
    const parser = sseParser((type, data) => {
      let json;
      try { json = JSON.parse(data); } catch (e) { return; }
      if (!json || result || error) return;
      if (type === 'session') on.session(json.session_id);
      else if (type === 'token' && typeof json.text === 'string') on.token(json.text);
      else if (type === 'done') result = json;
      else if (type === 'error') error = json.error || {};
    });
    for (;;) {
      const {done, value} = await reader.read();
      if (done) { parser.push(decoder.decode()); parser.end(); break; }
      parser.push(decoder.decode(value, {stream: true}));
      if (result || error) { reader.cancel().catch(() => {}); break; }
    }
    if (error) throw fail('server', `Sorry, the answer failed part-way${error.message ? ` (${error.message})` : ''}. ${SORRY}`);
    if (!result) throw fail('network', `The answer was interrupted. ${SORRY}`);
    return result;
  }

  // Asks for a stream; a JSON answer (no streaming) is read as such.
  async function ask(message, signal, on) {
    let res;
    try {
      res = await fetch(`${api}/api/chatbot/ask/`, {
        method: 'POST', credentials: 'omit', signal,
        headers: {'Content-Type': 'application/json', 'Accept': 'text/event-stream'},
        body: JSON.stringify(session ? {message, session_id: session} : {message}),
      });
    } catch (e) { throw networkFailure(signal); }
    if (!res.ok) throw await httpFailure(res);
    try {
      if (/^text\/event-stream/i.test(res.headers.get('Content-Type')) && res.body) return await readStream(res, on);
      return await res.json().catch(() => { throw fail('server', `Sorry, we received an unreadable answer. ${SORRY}`); });
    } catch (e) { throw e?.kind ? e : networkFailure(signal); }
  }

  const host = document.createElement('atonix-chat');
  const shadow = host.attachShadow({mode: 'open'});
  const css = new URL('chat-widget.css', src);
  css.search = src.search;
  const sheet = h('link', {rel: 'stylesheet', href: css.href});
  const initial = title.trim().charAt(0).toUpperCase() || 'A';
  const avatar = (cls) => h('div', {class: 'acw-avatar' + (cls || ''), 'aria-hidden': 'true', text: initial});

  const launcher = h('button', {type: 'button', class: 'acw-launcher', 'aria-label': 'Open chat',
    'aria-expanded': 'false', 'aria-controls': 'acw-panel', onclick: () => (panel.hidden ? open() : close())},
  [icon('chat', 'acw-i-chat'), icon('down', 'acw-i-down')]);
  const input = h('textarea', {class: 'acw-input', rows: 1, 'aria-label': 'Message', placeholder: 'Write a message\u2026',
    enterkeyhint: 'send', oninput: sync, onkeydown(e) {
      if (e.key === 'Enter' && !(e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing || e.keyCode === 229)) {
        e.preventDefault();
        send();
      }
    }});
  const log = h('div', {class: 'acw-log', role: 'log', 'aria-label': 'Conversation', 'aria-live': 'polite'});
  const typing = h('div', {class: 'acw-typing', role: 'status'});
  const quick = h('div', {class: 'acw-quick', role: 'group', 'aria-label': 'Suggested questions'},
    replies.map((text) => h('button', {type: 'button', text, onclick() { input.focus(); send(text); }})));
  const scroller = h('div', {class: 'acw-body'}, [log, typing, quick]);
  const errorBox = h('div', {class: 'acw-error', role: 'alert'});
  const iconButton = (label, name, onclick) => h('button', {type: 'button', class: 'acw-icon', 'aria-label': label, title: label, onclick}, icon(name));

  const panel = h('section', {id: 'acw-panel', class: 'acw-panel', role: 'dialog', 'aria-label': 'Chat', hidden: true}, [
    h('header', {class: 'acw-head'}, [
      avatar(' acw-avatar-lg'),
      h('div', {class: 'acw-head-text'}, [h('h2', {class: 'acw-title', text: title}),
        h('p', {class: 'acw-sub'}, [h('span', {class: 'acw-online'}), 'AI assistant \u00b7 online'])]),
      iconButton('New conversation', 'pen', reset),
      iconButton('Close chat', 'close', () => close()),
    ]),
    scroller,
    errorBox,
    h('form', {class: 'acw-form', onsubmit(e) { e.preventDefault(); send(); }},
      [input, h('button', {type: 'submit', class: 'acw-send', 'aria-label': 'Send'}, icon('send'))]),
    h('p', {class: 'acw-foot', text: 'Answers are AI-generated and may be inaccurate.'}),
  ]);
  const root = h('div', {class: ds.position === 'bottom-left' ? 'acw acw-left' : 'acw', hidden: true,
    onkeydown(e) { if (e.key === 'Escape' && !panel.hidden) close(); }}, [panel, launcher]);
  // Shown once styled (or unstyled if the stylesheet fails: usable beats invisible).
  sheet.onload = sheet.onerror = () => { root.hidden = false; };
  shadow.append(sheet, root);

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  const toEnd = () => { scroller.scrollTop = scroller.scrollHeight; };
  function fill(row, text) {
    const bubble = row.lastChild;
    const stick = nearBottom();
    if (row.classList.contains('acw-bot')) bubble.replaceChildren(markdown(text));
    else bubble.textContent = text;
    if (stick) toEnd();
  }
  function addMessage(who, text) {
    const row = h('div', {class: `acw-msg acw-${who}`}, [who === 'bot' ? avatar() : null,
      h('span', {class: 'acw-sr', text: who === 'bot' ? `${title} said:` : 'You said:'}), h('div', {class: 'acw-bubble'})]);
    const stick = nearBottom();
    log.append(row);
    fill(row, text);
    if (stick) toEnd();
    return row;
  }
  function setTyping(on) {
    if (!on) typing.replaceChildren();
    else if (!typing.firstChild) {
      typing.append(h('div', {class: 'acw-msg acw-bot'}, [avatar(),
        h('div', {class: 'acw-bubble acw-dots', 'aria-hidden': 'true'}, [h('i'), h('i'), h('i')]),
        h('span', {class: 'acw-sr', text: `${title} is typing\u2026`})]));
      toEnd();
    }
  }
  function showError(message, retry) {
    errorBox.replaceChildren(icon('alert'), h('p', {text: message}),
      h('button', {type: 'button', class: 'acw-retry', text: 'Try again', onclick() { input.focus(); retry(); }}));
  }
  function sync() {
    quick.hidden = !replies.length || history === 'loading' || !!log.querySelector('.acw-me');
    root.classList.toggle('acw-busy', busy);
    root.classList.toggle('acw-empty', !input.value.trim());
    // The box grows with its text (CSSOM: allowed under a strict CSP).
    input.style.height = 'auto';
    if (input.scrollHeight) input.style.height = `${input.scrollHeight}px`;
  }

  let busy = false, generation = 0, controller = null;
  let history = session ? 'unloaded' : 'loaded'; // fetched when the panel first opens

  async function loadHistory() {
    const gen = generation;
    history = 'loading';
    errorBox.replaceChildren();
    sync();
    try {
      let res;
      try { res = await fetch(`${api}/api/chatbot/session/${encodeURIComponent(session)}/`, {credentials: 'omit'}); }
      catch (e) { throw networkFailure(); }
      if (!res.ok && res.status !== 404 && res.status !== 400) throw await httpFailure(res);
      const data = res.ok ? await res.json() : null;
      if (gen !== generation) return;
      if (!data) forget(); // erased or never stored: start afresh
      for (const m of data?.messages || []) {
        if (typeof m.message === 'string') addMessage(m.sender === 'visitor' ? 'me' : 'bot', m.message);
      }
      history = 'loaded';
      toEnd();
    } catch (e) {
      if (gen !== generation) return;
      history = 'unloaded';
      showError(`We couldn\u2019t load your earlier messages. ${e.kind ? e.message : SORRY}`, loadHistory);
    }
    sync();
  }

  // Sends `text` (a quick reply) or the box's text; nothing while an answer is pending.
  async function send(text) {
    const fromBox = text == null;
    text = (fromBox ? input.value : text).trim();
    if (!text || busy || history === 'loading') return;
    const gen = generation;
    busy = true;
    history = 'loaded'; // if the history failed to load, the conversation goes on without it
    if (fromBox) input.value = '';
    errorBox.replaceChildren();
    const mine = addMessage('me', text);
    let bot = null, streamed = '';
    toEnd();
    setTyping(true);
    sync();
    controller = new AbortController();
    try {
      const answer = await ask(text, controller.signal, {
        session: (id) => gen === generation && remember(id),
        token(piece) {
          if (gen !== generation) return;
          if (!bot) { setTyping(false); log.setAttribute('aria-busy', 'true'); bot = addMessage('bot', ''); }
          fill(bot, streamed += piece);
        },
      });
      if (gen !== generation) return;
      remember(answer.session_id);
      const reply = typeof answer.response === 'string' ? answer.response : streamed;
      if (bot) fill(bot, reply);
      else addMessage('bot', reply);
    } catch (e) {
      if (gen !== generation || e.kind === 'aborted') return;
      mine.remove();
      bot?.remove();
      input.value = input.value.trim() ? `${text}\n${input.value}` : text; // the unsent text stays
      showError(e.message || `Something went wrong. ${SORRY}`, () => send());
    } finally {
      if (gen === generation) {
        busy = false;
        controller = null;
        log.removeAttribute('aria-busy');
        setTyping(false);
        sync();
      }
    }
  }

  // "New conversation": forgets the session; an answer in flight is dropped.
  function reset() {
    generation++;
    controller?.abort();
    controller = null;
    busy = false;
    forget();
    history = 'loaded';
    log.removeAttribute('aria-busy');
    log.replaceChildren();
    setTyping(false);
    errorBox.replaceChildren();
    addMessage('bot', greeting);
    sync();
    input.focus();
  }

  // Phones: the panel fills the visual viewport, above the on-screen keyboard.
  const viewport = window.visualViewport;
  function fit() {
    if (!viewport) return;
    host.style.setProperty('--acw-vh', `${viewport.height}px`);
    host.style.setProperty('--acw-vt', `${viewport.offsetTop}px`);
  }

  function open() {
    if (!panel.hidden) return;
    fit();
    panel.hidden = false;
    root.classList.add('acw-open');
    launcher.setAttribute('aria-expanded', 'true');
    if (history === 'unloaded') loadHistory();
    sync();
    toEnd();
    input.focus();
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    root.classList.remove('acw-open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  // data-accent, with text colours that keep WCAG AA contrast.
  const luminance = (c) => c.reduce((sum, v, i) => {
    v /= 255;
    return sum + [0.2126, 0.7152, 0.0722][i] * (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  }, 0);
  const contrast = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  function applyAccent(color) {
    if (!color || !window.CSS?.supports('color', color)) return;
    const probe = h('i');
    probe.style.color = color;
    shadow.append(probe);
    const computed = getComputedStyle(probe).color;
    probe.remove();
    host.style.setProperty('--acw-accent', color);
    if (!/^rgb/.test(computed)) return;
    const rgb = computed.match(/[\d.]+/g).slice(0, 3).map(Number);
    const l = luminance(rgb);
    const light = contrast(l, 1) >= contrast(l, luminance([15, 23, 42])); // white text, else ink
    const set = (name, value) => host.style.setProperty(name, value);
    set('--acw-on-accent', light ? '#fff' : '#0f172a');
    // The header gradient moves away from its text colour.
    set('--acw-accent-2', `color-mix(in srgb, ${color} 78%, ${light ? '#000' : '#fff'})`);
    // Accent as text on white/light grey needs 4.5:1, else ink.
    set('--acw-ink', contrast(l, luminance([241, 245, 249])) >= 4.5 ? color : '#0f172a');
  }

  function mount() {
    document.body.append(host);
    applyAccent(ds.accent);
    addMessage('bot', greeting);
    sync();
    viewport?.addEventListener('resize', fit);
    viewport?.addEventListener('scroll', fit);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.AtonixChat = Object.freeze({open, close, reset});
})();
