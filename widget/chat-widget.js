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

  // The widget's own words: English, German, French and Spanish, chosen by data-lang, else by
  // the browser's languages; English for any other.
  const STRINGS = {
    en: {
      greeting: (name) => `Hi there! I\u2019m the ${name} assistant. Ask me about our services, cloud infrastructure, pricing or recent projects.`,
      quickReplies: 'Services|Cloud infrastructure|Pricing|Portfolio',
      tryAgainLater: 'Please try again.',
      offline: 'You\u2019re offline. Send your message again once you\u2019re back online.',
      unreachable: 'We couldn\u2019t reach the chat service. Check your connection and try again.',
      inAMinute: 'in a minute', inASecond: 'in a second', inSeconds: (n) => `in ${n} seconds`, inMinutes: (n) => `in ${n} minutes`,
      tooFast: (when) => `You\u2019re sending messages faster than we can answer. Please try again ${when}.`,
      tooLong: 'That message is too long. Please shorten it and try again.',
      notSent: (detail) => `Your message couldn\u2019t be sent: ${detail}.`,
      serverError: (status) => `Sorry, something went wrong on our side (error ${status}). Please try again in a moment.`,
      failedPartWay: 'Sorry, the answer failed part-way', interrupted: 'The answer was interrupted.',
      unreadable: 'Sorry, we received an unreadable answer.', somethingWrong: 'Something went wrong.',
      historyFailed: 'We couldn\u2019t load your earlier messages.',
      openChat: 'Open chat', chat: 'Chat', message: 'Message', placeholder: 'Write a message\u2026', conversation: 'Conversation',
      suggested: 'Suggested questions', online: 'AI assistant \u00b7 online', newConversation: 'New conversation',
      closeChat: 'Close chat', send: 'Send', disclaimer: 'Answers are AI-generated and may be inaccurate.',
      botSaid: (name) => `${name} said:`, youSaid: 'You said:', typing: (name) => `${name} is typing\u2026`, tryAgain: 'Try again',
      sources: 'Sources', rate: 'Rate this answer', helpful: 'Helpful', notHelpful: 'Not helpful',
      whatMissing: 'What was missing? (optional)', sendComment: 'Send comment', feedbackThanks: 'Thanks for your feedback.',
      rateFailed: 'Your rating couldn\u2019t be sent. Please try again.',
      person: 'Talk to a person', contact: 'Contact', yourName: 'Your name', yourEmail: 'Your email', howHelp: 'How can we help?',
      sendRequest: 'Send request', cancel: 'Cancel', contactFailed: 'Your request couldn\u2019t be sent',
      requested: (name) => `Thanks, ${name}! Someone from our team will get back to you by email soon.`,
      offerPerson: 'Would you like to talk to a person? Leave your details and we\u2019ll get back to you.',
      dismiss: 'Dismiss', unread: '1 new message',
    },
    de: {
      greeting: (name) => `Hallo! Ich bin der ${name}-Assistent. Fragen Sie mich zu unseren Leistungen, Cloud-Infrastruktur, Preisen oder aktuellen Projekten.`,
      quickReplies: 'Leistungen|Cloud-Infrastruktur|Preise|Portfolio',
      tryAgainLater: 'Bitte versuchen Sie es erneut.',
      offline: 'Sie sind offline. Senden Sie Ihre Nachricht erneut, sobald Sie wieder online sind.',
      unreachable: 'Der Chat-Dienst ist nicht erreichbar. Pr\u00fcfen Sie Ihre Verbindung und versuchen Sie es erneut.',
      inAMinute: 'in einer Minute', inASecond: 'in einer Sekunde', inSeconds: (n) => `in ${n} Sekunden`, inMinutes: (n) => `in ${n} Minuten`,
      tooFast: (when) => `Sie senden Nachrichten schneller, als wir antworten k\u00f6nnen. Bitte versuchen Sie es ${when} erneut.`,
      tooLong: 'Diese Nachricht ist zu lang. Bitte k\u00fcrzen Sie sie und versuchen Sie es erneut.',
      notSent: (detail) => `Ihre Nachricht konnte nicht gesendet werden: ${detail}.`,
      serverError: (status) => `Entschuldigung, bei uns ist ein Fehler aufgetreten (Fehler ${status}). Bitte versuchen Sie es gleich noch einmal.`,
      failedPartWay: 'Entschuldigung, die Antwort brach mittendrin ab', interrupted: 'Die Antwort wurde unterbrochen.',
      unreadable: 'Entschuldigung, die Antwort war nicht lesbar.', somethingWrong: 'Etwas ist schiefgelaufen.',
      historyFailed: 'Ihre fr\u00fcheren Nachrichten konnten nicht geladen werden.',
      openChat: 'Chat \u00f6ffnen', chat: 'Chat', message: 'Nachricht', placeholder: 'Nachricht schreiben\u2026', conversation: 'Unterhaltung',
      suggested: 'Vorgeschlagene Fragen', online: 'KI-Assistent \u00b7 online', newConversation: 'Neue Unterhaltung',
      closeChat: 'Chat schlie\u00dfen', send: 'Senden', disclaimer: 'Antworten sind KI-generiert und k\u00f6nnen ungenau sein.',
      botSaid: (name) => `${name} schrieb:`, youSaid: 'Sie schrieben:', typing: (name) => `${name} schreibt\u2026`, tryAgain: 'Erneut versuchen',
      sources: 'Quellen', rate: 'Diese Antwort bewerten', helpful: 'Hilfreich', notHelpful: 'Nicht hilfreich',
      whatMissing: 'Was hat gefehlt? (optional)', sendComment: 'Kommentar senden', feedbackThanks: 'Danke f\u00fcr Ihr Feedback.',
      rateFailed: 'Ihre Bewertung konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
      person: 'Mit einem Menschen sprechen', contact: 'Kontakt', yourName: 'Ihr Name', yourEmail: 'Ihre E-Mail', howHelp: 'Wie k\u00f6nnen wir helfen?',
      sendRequest: 'Anfrage senden', cancel: 'Abbrechen', contactFailed: 'Ihre Anfrage konnte nicht gesendet werden',
      requested: (name) => `Danke, ${name}! Jemand aus unserem Team meldet sich bald per E-Mail bei Ihnen.`,
      offerPerson: 'M\u00f6chten Sie mit einem Menschen sprechen? Hinterlassen Sie Ihre Angaben, wir melden uns.',
      dismiss: 'Schlie\u00dfen', unread: '1 neue Nachricht',
    },
    fr: {
      greeting: (name) => `Bonjour\u00a0! Je suis l\u2019assistant ${name}. Posez-moi vos questions sur nos services, l\u2019infrastructure cloud, nos tarifs ou nos projets r\u00e9cents.`,
      quickReplies: 'Services|Infrastructure cloud|Tarifs|Portfolio',
      tryAgainLater: 'Veuillez r\u00e9essayer.',
      offline: 'Vous \u00eates hors ligne. Renvoyez votre message une fois la connexion r\u00e9tablie.',
      unreachable: 'Impossible de joindre le service de chat. V\u00e9rifiez votre connexion et r\u00e9essayez.',
      inAMinute: 'dans une minute', inASecond: 'dans une seconde', inSeconds: (n) => `dans ${n} secondes`, inMinutes: (n) => `dans ${n} minutes`,
      tooFast: (when) => `Vous envoyez des messages plus vite que nous ne pouvons r\u00e9pondre. Veuillez r\u00e9essayer ${when}.`,
      tooLong: 'Ce message est trop long. Raccourcissez-le et r\u00e9essayez.',
      notSent: (detail) => `Votre message n\u2019a pas pu \u00eatre envoy\u00e9\u00a0: ${detail}.`,
      serverError: (status) => `D\u00e9sol\u00e9, une erreur s\u2019est produite de notre c\u00f4t\u00e9 (erreur ${status}). Veuillez r\u00e9essayer dans un instant.`,
      failedPartWay: 'D\u00e9sol\u00e9, la r\u00e9ponse s\u2019est interrompue', interrupted: 'La r\u00e9ponse a \u00e9t\u00e9 interrompue.',
      unreadable: 'D\u00e9sol\u00e9, la r\u00e9ponse re\u00e7ue est illisible.', somethingWrong: 'Une erreur s\u2019est produite.',
      historyFailed: 'Impossible de charger vos messages pr\u00e9c\u00e9dents.',
      openChat: 'Ouvrir le chat', chat: 'Chat', message: 'Message', placeholder: '\u00c9crivez un message\u2026', conversation: 'Conversation',
      suggested: 'Questions sugg\u00e9r\u00e9es', online: 'Assistant IA \u00b7 en ligne', newConversation: 'Nouvelle conversation',
      closeChat: 'Fermer le chat', send: 'Envoyer', disclaimer: 'Les r\u00e9ponses sont g\u00e9n\u00e9r\u00e9es par IA et peuvent \u00eatre inexactes.',
      botSaid: (name) => `${name} a \u00e9crit\u00a0:`, youSaid: 'Vous avez \u00e9crit\u00a0:', typing: (name) => `${name} \u00e9crit\u2026`, tryAgain: 'R\u00e9essayer',
      sources: 'Sources', rate: '\u00c9valuer cette r\u00e9ponse', helpful: 'Utile', notHelpful: 'Pas utile',
      whatMissing: 'Que manquait-il\u00a0? (facultatif)', sendComment: 'Envoyer le commentaire', feedbackThanks: 'Merci pour votre avis.',
      rateFailed: 'Votre \u00e9valuation n\u2019a pas pu \u00eatre envoy\u00e9e. Veuillez r\u00e9essayer.',
      person: 'Parler \u00e0 une personne', contact: 'Contact', yourName: 'Votre nom', yourEmail: 'Votre e-mail', howHelp: 'Comment pouvons-nous vous aider\u00a0?',
      sendRequest: 'Envoyer la demande', cancel: 'Annuler', contactFailed: 'Votre demande n\u2019a pas pu \u00eatre envoy\u00e9e',
      requested: (name) => `Merci, ${name}\u00a0! Un membre de notre \u00e9quipe vous r\u00e9pondra bient\u00f4t par e-mail.`,
      offerPerson: 'Souhaitez-vous parler \u00e0 une personne\u00a0? Laissez vos coordonn\u00e9es et nous vous recontacterons.',
      dismiss: 'Fermer', unread: '1 nouveau message',
    },
    es: {
      greeting: (name) => `\u00a1Hola! Soy el asistente de ${name}. Preg\u00fantame por nuestros servicios, infraestructura en la nube, precios o proyectos recientes.`,
      quickReplies: 'Servicios|Infraestructura en la nube|Precios|Portfolio',
      tryAgainLater: 'Int\u00e9ntalo de nuevo.',
      offline: 'No tienes conexi\u00f3n. Env\u00eda tu mensaje de nuevo cuando vuelvas a estar en l\u00ednea.',
      unreachable: 'No pudimos conectar con el servicio de chat. Comprueba tu conexi\u00f3n e int\u00e9ntalo de nuevo.',
      inAMinute: 'en un minuto', inASecond: 'en un segundo', inSeconds: (n) => `en ${n} segundos`, inMinutes: (n) => `en ${n} minutos`,
      tooFast: (when) => `Env\u00edas mensajes m\u00e1s r\u00e1pido de lo que podemos responder. Int\u00e9ntalo de nuevo ${when}.`,
      tooLong: 'Ese mensaje es demasiado largo. Ac\u00f3rtalo e int\u00e9ntalo de nuevo.',
      notSent: (detail) => `No se pudo enviar tu mensaje: ${detail}.`,
      serverError: (status) => `Lo sentimos, algo fall\u00f3 por nuestra parte (error ${status}). Int\u00e9ntalo de nuevo en un momento.`,
      failedPartWay: 'Lo sentimos, la respuesta fall\u00f3 a medias', interrupted: 'La respuesta se interrumpi\u00f3.',
      unreadable: 'Lo sentimos, recibimos una respuesta ilegible.', somethingWrong: 'Algo sali\u00f3 mal.',
      historyFailed: 'No pudimos cargar tus mensajes anteriores.',
      openChat: 'Abrir chat', chat: 'Chat', message: 'Mensaje', placeholder: 'Escribe un mensaje\u2026', conversation: 'Conversaci\u00f3n',
      suggested: 'Preguntas sugeridas', online: 'Asistente de IA \u00b7 en l\u00ednea', newConversation: 'Nueva conversaci\u00f3n',
      closeChat: 'Cerrar chat', send: 'Enviar', disclaimer: 'Las respuestas las genera una IA y pueden ser inexactas.',
      botSaid: (name) => `${name} dijo:`, youSaid: 'T\u00fa dijiste:', typing: (name) => `${name} est\u00e1 escribiendo\u2026`, tryAgain: 'Reintentar',
      sources: 'Fuentes', rate: 'Valora esta respuesta', helpful: '\u00datil', notHelpful: 'No \u00fatil',
      whatMissing: '\u00bfQu\u00e9 falt\u00f3? (opcional)', sendComment: 'Enviar comentario', feedbackThanks: 'Gracias por tu opini\u00f3n.',
      rateFailed: 'No se pudo enviar tu valoraci\u00f3n. Int\u00e9ntalo de nuevo.',
      person: 'Hablar con una persona', contact: 'Contacto', yourName: 'Tu nombre', yourEmail: 'Tu correo electr\u00f3nico', howHelp: '\u00bfC\u00f3mo podemos ayudarte?',
      sendRequest: 'Enviar solicitud', cancel: 'Cancelar', contactFailed: 'No se pudo enviar tu solicitud',
      requested: (name) => `\u00a1Gracias, ${name}! Alguien de nuestro equipo te responder\u00e1 pronto por correo.`,
      offerPerson: '\u00bfQuieres hablar con una persona? D\u00e9janos tus datos y te responderemos.',
      dismiss: 'Cerrar', unread: '1 mensaje nuevo',
    },
  };
  const lang = [ds.lang, ...(navigator.languages || [navigator.language])]
    .map((tag) => String(tag || '').slice(0, 2).toLowerCase()).find((code) => STRINGS[code]) || 'en';
  function t(key, ...args) {
    const text = STRINGS[lang][key] ?? STRINGS.en[key];
    return typeof text === 'function' ? text(...args) : text;
  }
  const greeting = ds.greeting || t('greeting', title);
  const replies = (ds.quickReplies ?? t('quickReplies')).split('|').map((s) => s.trim()).filter(Boolean);

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
    up: 'M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 1.9 2.6l-2.3 8a2 2 0 0 1-1.9 1.4H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9Z',
    thumbDown: 'M17 14V2M9 18.1 10 14H4.2a2 2 0 0 1-1.9-2.6l2.3-8A2 2 0 0 1 6.5 2H20a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-2.8a2 2 0 0 0-1.8 1.1L12 22a3.1 3.1 0 0 1-3-3.9Z',
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
  const fail = (kind, message, detail) => ({kind, message, detail});
  const SORRY = t('tryAgainLater');
  function networkFailure(signal) {
    if (signal?.aborted) return fail('aborted', '');
    if (navigator.onLine === false) {
      return fail('offline', t('offline'));
    }
    return fail('network', t('unreachable'));
  }
  function when(header) {
    let s = /^\s*\d+\s*$/.test(header || '') ? +header : Math.ceil((Date.parse(header) - Date.now()) / 1000);
    if (!(s >= 0)) return t('inAMinute');
    return s <= 1 ? t('inASecond') : s < 90 ? t('inSeconds', s) : t('inMinutes', Math.ceil(s / 60));
  }
  async function httpFailure(res) {
    const body = await res.json().catch(() => null);
    const detail = typeof body?.error?.message === 'string' ? body.error.message : '';
    const s = res.status;
    if (s === 429) return fail('rate', t('tooFast', when(res.headers.get('Retry-After'))));
    if (s === 413) return fail('client', t('tooLong'));
    if (s < 500 && detail) return fail('client', t('notSent', detail), detail);
    return fail('server', t('serverError', s));
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
    if (error) throw fail('server', `${t('failedPartWay')}${error.message ? ` (${error.message})` : ''}. ${SORRY}`);
    if (!result) throw fail('network', `${t('interrupted')} ${SORRY}`);
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
      return await res.json().catch(() => { throw fail('server', `${t('unreadable')} ${SORRY}`); });
    } catch (e) { throw e?.kind ? e : networkFailure(signal); }
  }

  const host = document.createElement('atonix-chat');
  const shadow = host.attachShadow({mode: 'open'});
  const css = new URL('chat-widget.css', src);
  css.search = src.search;
  const sheet = h('link', {rel: 'stylesheet', href: css.href});
  const initial = title.trim().charAt(0).toUpperCase() || 'A';
  const avatar = (cls) => h('div', {class: 'acw-avatar' + (cls || ''), 'aria-hidden': 'true', text: initial});

  const launcher = h('button', {type: 'button', class: 'acw-launcher', 'aria-label': t('openChat'),
    'aria-expanded': 'false', 'aria-controls': 'acw-panel', onclick: () => (panel.hidden ? open() : close())},
  [icon('chat', 'acw-i-chat'), icon('down', 'acw-i-down'), h('span', {class: 'acw-badge', 'aria-hidden': 'true', text: '1'})]);
  const input = h('textarea', {class: 'acw-input', rows: 1, 'aria-label': t('message'), placeholder: t('placeholder'),
    enterkeyhint: 'send', oninput: sync, onkeydown(e) {
      if (e.key === 'Enter' && !(e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing || e.keyCode === 229)) {
        e.preventDefault();
        send();
      }
    }});
  const log = h('div', {class: 'acw-log', role: 'log', 'aria-label': t('conversation'), 'aria-live': 'polite'});
  const typing = h('div', {class: 'acw-typing', role: 'status'});
  const quick = h('div', {class: 'acw-quick', role: 'group', 'aria-label': t('suggested')},
    replies.map((text) => h('button', {type: 'button', text, onclick() { input.focus(); send(text); }})));
  // Focusable, so that keyboard users can scroll the conversation too.
  const scroller = h('div', {class: 'acw-body', tabindex: 0}, [log, typing, quick]);
  const errorBox = h('div', {class: 'acw-error', role: 'alert'});
  const iconButton = (label, name, onclick) => h('button', {type: 'button', class: 'acw-icon', 'aria-label': label, title: label, onclick}, icon(name));

  const panel = h('section', {id: 'acw-panel', class: 'acw-panel', role: 'dialog', 'aria-label': t('chat'), hidden: true}, [
    h('div', {class: 'acw-head'}, [
      avatar(' acw-avatar-lg'),
      h('div', {class: 'acw-head-text'}, [h('h2', {class: 'acw-title', text: title}),
        h('p', {class: 'acw-sub'}, [h('span', {class: 'acw-online'}), t('online')])]),
      iconButton(t('newConversation'), 'pen', reset),
      iconButton(t('closeChat'), 'close', () => close()),
    ]),
    scroller,
    errorBox,
    h('form', {class: 'acw-form', onsubmit(e) { e.preventDefault(); send(); }},
      [input, h('button', {type: 'submit', class: 'acw-send', 'aria-label': t('send')}, icon('send'))]),
    h('div', {class: 'acw-foot'}, [h('p', {text: t('disclaimer')}),
      h('button', {type: 'button', class: 'acw-person', text: t('person'), onclick: () => showContact()})]),
  ]);
  const root = h('div', {class: ds.position === 'bottom-left' ? 'acw acw-left' : 'acw', hidden: true, lang,
    onkeydown(e) { if (e.key === 'Escape' && !panel.hidden) close(); }}, [panel, launcher]);
  // Shown once styled (or unstyled if the stylesheet fails: usable beats invisible).
  sheet.onload = sheet.onerror = () => { root.hidden = false; };
  shadow.append(sheet, root);

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  const toEnd = () => { scroller.scrollTop = scroller.scrollHeight; };
  function fill(row, text) {
    const bubble = row.querySelector('.acw-bubble');
    const stick = nearBottom();
    if (row.classList.contains('acw-bot')) bubble.replaceChildren(markdown(text));
    else bubble.textContent = text;
    if (stick) toEnd();
  }
  function addMessage(who, text) {
    const row = h('div', {class: `acw-msg acw-${who}`}, [who === 'bot' ? avatar() : null,
      h('span', {class: 'acw-sr', text: who === 'bot' ? t('botSaid', title) : t('youSaid')}), h('div', {class: 'acw-bubble'})]);
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
        h('span', {class: 'acw-sr', text: t('typing', title)})]));
      toEnd();
    }
  }
  function showError(message, retry) {
    errorBox.replaceChildren(icon('alert'), h('p', {text: message}),
      h('button', {type: 'button', class: 'acw-retry', text: t('tryAgain'), onclick() { input.focus(); retry(); }}));
  }
  function sync() {
    quick.hidden = !replies.length || history === 'loading' || !!log.querySelector('.acw-me') || !!contactForm;
    root.classList.toggle('acw-busy', busy);
    root.classList.toggle('acw-empty', !input.value.trim());
    // The box grows with its text (CSSOM: allowed under a strict CSP).
    input.style.height = 'auto';
    if (input.scrollHeight) input.style.height = `${input.scrollHeight}px`;
  }

  // POSTs JSON to the visitor API; failures are thrown as {kind, message}, as ask's are.
  async function post(path, body) {
    let res;
    try {
      res = await fetch(`${api}${path}`, {method: 'POST', credentials: 'omit',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    } catch (e) { throw networkFailure(); }
    if (!res.ok) throw await httpFailure(res);
    return res.status === 204 ? null : res.json().catch(() => null);
  }

  // Thumbs under an answer (aria-pressed says which), and after a thumbs down a comment box.
  function rating(sessionId, messageId) {
    // Not a live region of its own: the conversation's log announces what changes in it.
    const note = h('p', {class: 'acw-note'});
    let comment = null, sending = false;
    const thumb = (value, label, name) => h('button', {type: 'button', class: 'acw-thumb', 'aria-label': label,
      title: label, 'aria-pressed': 'false', onclick: () => rate(value)}, icon(name));
    const up = thumb('up', t('helpful'), 'up'), down = thumb('down', t('notHelpful'), 'thumbDown');
    const box = h('div', {class: 'acw-extra'}, [h('div', {class: 'acw-rate', role: 'group', 'aria-label': t('rate')}, [up, down]), note]);
    const press = (states) => [up, down].forEach((button, i) => button.setAttribute('aria-pressed', states[i]));
    async function rate(value, text) {
      if (sending) return;
      sending = true;
      const before = [up, down].map((button) => button.getAttribute('aria-pressed'));
      press([String(value === 'up'), String(value === 'down')]);
      note.textContent = '';
      try {
        await post('/api/chatbot/feedback/', {session_id: sessionId, message_id: messageId, rating: value,
          ...(text ? {comment: text} : {})});
        if (value === 'down' && text == null) return askWhy();
        if (comment) {
          comment.remove();
          comment = null;
          down.focus();
        }
        note.textContent = t('feedbackThanks');
      } catch (e) {
        press(before);
        note.textContent = t('rateFailed');
      } finally {
        sending = false;
      }
    }
    function askWhy() {
      if (comment) return;
      const why = h('input', {type: 'text', class: 'acw-field', maxlength: 500, 'aria-label': t('whatMissing'), placeholder: t('whatMissing')});
      comment = h('form', {class: 'acw-comment', onsubmit(e) {
        e.preventDefault();
        if (why.value.trim()) rate('down', why.value.trim());
      }}, [why, h('button', {type: 'submit', class: 'acw-small', text: t('sendComment')})]);
      note.before(comment);
      why.focus();
    }
    return box;
  }

  // What follows an answer: the sections it drew on, the thumbs, and the offer of a person when
  // the visitor asked for one or the answer had nothing to go on.
  const ASKS_FOR_PERSON = /\b(human|person|agent|someone|somebody|call me|mensch|mitarbeiter|personne|humain|conseiller|persona|humano|agente)\b/i;
  function decorate(row, answer, question) {
    const sources = (Array.isArray(answer.sources) ? answer.sources : []).filter((s) => typeof s?.title === 'string');
    if (sources.length) {
      row.append(h('ul', {class: 'acw-sources acw-extra', 'aria-label': t('sources')}, sources.map((s) => h('li', {text: s.title}))));
    }
    if (Number.isInteger(answer.message_id) && session) row.append(rating(session, answer.message_id));
    const unanswered = !sources.length && ['knowledge', 'fallback'].includes(answer.source) && question.split(/\s+/).length >= 3;
    if (question && (ASKS_FOR_PERSON.test(question) || unanswered)) {
      row.append(h('div', {class: 'acw-extra acw-offer'}, [h('p', {text: t('offerPerson')}),
        h('button', {type: 'button', class: 'acw-small', text: t('person'), onclick: () => showContact()})]));
    }
  }

  // The contact form in the conversation: name, email, what they need; sent with the session.
  let contactForm = null;
  function showContact() {
    if (contactForm) return contactForm.querySelector('input').focus();
    const field = (label, control) => h('label', {class: 'acw-label'}, [h('span', {text: label}), control]);
    const name = h('input', {type: 'text', class: 'acw-field', required: true, maxlength: 100, autocomplete: 'name'});
    const email = h('input', {type: 'email', class: 'acw-field', required: true, maxlength: 254, autocomplete: 'email'});
    const need = h('textarea', {class: 'acw-field', required: true, rows: 3});
    const problem = h('p', {class: 'acw-form-error', role: 'alert'});
    const submit = h('button', {type: 'submit', class: 'acw-small acw-primary', text: t('sendRequest')});
    contactForm = h('form', {class: 'acw-contact', 'aria-label': t('contact'), async onsubmit(e) {
      e.preventDefault();
      if (submit.disabled) return;
      const gen = generation, form = contactForm;
      problem.textContent = '';
      submit.disabled = true;
      const who = name.value.trim();
      try {
        await post('/api/chatbot/contact/', {name: who, email: email.value.trim(), message: need.value.trim(),
          ...(session ? {session_id: session} : {})});
        if (gen !== generation || form !== contactForm) return; // a new conversation began meanwhile
        closeContact();
        addMessage('bot', t('requested', who));
      } catch (error) {
        problem.textContent = error.kind === 'client' && error.detail ? `${t('contactFailed')}: ${error.detail}.`
          : `${t('contactFailed')}. ${error.message || SORRY}`;
      } finally {
        submit.disabled = false;
      }
    }}, [field(t('yourName'), name), field(t('yourEmail'), email), field(t('howHelp'), need), problem,
      h('div', {class: 'acw-actions'}, [h('button', {type: 'button', class: 'acw-small', text: t('cancel'), onclick: closeContact}), submit])]);
    scroller.append(contactForm);
    sync();
    contactForm.scrollIntoView?.({block: 'nearest'});
    name.focus();
  }
  function closeContact() {
    if (!contactForm) return;
    const hadFocus = contactForm.contains(shadow.activeElement);
    contactForm.remove();
    contactForm = null;
    sync();
    if (hadFocus) input.focus();
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
        if (typeof m.message !== 'string') continue;
        const row = addMessage(m.sender === 'visitor' ? 'me' : 'bot', m.message);
        if (m.sender === 'bot' && Number.isInteger(m.id)) row.append(rating(session, m.id));
      }
      history = 'loaded';
      toEnd();
    } catch (e) {
      if (gen !== generation) return;
      history = 'unloaded';
      showError(`${t('historyFailed')} ${e.kind ? e.message : SORRY}`, loadHistory);
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
      else bot = addMessage('bot', reply);
      decorate(bot, answer, text);
    } catch (e) {
      if (gen !== generation || e.kind === 'aborted') return;
      mine.remove();
      bot?.remove();
      input.value = input.value.trim() ? `${text}\n${input.value}` : text; // the unsent text stays
      showError(e.message || `${t('somethingWrong')} ${SORRY}`, () => send());
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
    closeContact();
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
    if (ds.teaser) dismissTeaser(); // opened: the teaser has done its work, for good
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

  // data-teaser: a greeting beside the launcher after data-teaser-delay seconds (default 5), with
  // an unread badge; shown once per visitor (gone for good once dismissed or the chat is opened).
  const TEASER_KEY = 'atonix-chat-teaser-seen';
  let teaser = null;
  function teaserSeen() {
    try { return !!localStorage.getItem(TEASER_KEY); } catch (e) { return false; }
  }
  function dismissTeaser() {
    try { localStorage.setItem(TEASER_KEY, '1'); } catch (e) { /* shown again next visit */ }
    teaser?.remove();
    teaser = null;
    root.classList.remove('acw-unread');
  }
  function scheduleTeaser() {
    if (!ds.teaser || teaserSeen()) return;
    const delay = Number(ds.teaserDelay ?? 5);
    setTimeout(() => {
      if (!panel.hidden || teaserSeen()) return;
      teaser = h('div', {class: 'acw-teaser'}, [
        h('button', {type: 'button', class: 'acw-teaser-text', text: ds.teaser, onclick: () => open()}),
        h('span', {class: 'acw-sr', text: t('unread')}),
        h('button', {type: 'button', class: 'acw-teaser-close', 'aria-label': t('dismiss'), title: t('dismiss'),
          onclick() { dismissTeaser(); launcher.focus(); }}, icon('close'))]);
      root.append(teaser);
      root.classList.add('acw-unread');
    }, (Number.isFinite(delay) && delay >= 0 ? delay : 5) * 1000);
  }

  function mount() {
    document.body.append(host);
    applyAccent(ds.accent);
    addMessage('bot', greeting);
    sync();
    scheduleTeaser();
    viewport?.addEventListener('resize', fit);
    viewport?.addEventListener('scroll', fit);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.AtonixChat = Object.freeze({open, close, reset});
})();
