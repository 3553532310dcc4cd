// Chat widget of the « Cloud au centre » assistant, talking to Rasa's socketio channel.
// Bundled by build.js inside a closure where `io` is socket.io-client 4 (no global leaks but
// window.CloudAuCentreWidget). Every piece of user or bot text goes through textContent: nothing
// received is ever parsed as HTML, and only http(s) and mailto URLs become links.
'use strict';

var WIDGET_VERSION = '1.0.0';
var STORAGE_PREFIX = 'cloudAuCentre.';
var MAX_STORED_MESSAGES = 200;
var MAX_MESSAGE_LENGTH = 1000;
var TYPING_TIMEOUT_MS = 20000;
var RESTARTING_TEXT = 'Le service redémarre, réessayez dans un instant.';

/** A name for one message, kept when it is sent again. */
function newMessageId() {
  var bytes = new Uint8Array(12);
  (window.crypto || window.msCrypto).getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
}
var SAFE_PROTOCOLS = ['http:', 'https:', 'mailto:'];
// The widget's RGAA status, as its accessibility statement (accessibilite.html) states it: the wording follows
// the conformity rate of docs/accessibilite/ (tests/accessibility checks that they agree).
var ACCESSIBILITY_STATUS = 'Accessibilité : totalement conforme';

var DEFAULT_OPTIONS = {
  socketUrl: 'http://localhost:5005',
  socketPath: '/socket.io/',
  title: 'Assistant « Cloud au centre »',
  subtitle: 'La doctrine cloud de l’État, réponses sourcées',
  open: false,
  storage: 'session',
  stylesheet: null,
  container: null,
  accessibilityUrl: null, // the accessibility statement; by default next to the script
  // First message (AI Act, art. 50): an automated assistant, an orientation, no personal data.
  welcome: 'Bonjour ! Je suis un assistant automatique, pas une personne : je réponds aux questions sur ' +
    'la doctrine « Cloud au centre » de l’État et je peux vérifier si votre projet est concerné. ' +
    'Mes réponses s’appuient sur la FAQ et les pages officielles liées et donnent une orientation, ' +
    'pas un avis juridique. N’écrivez pas de données personnelles. Voici quelques exemples :',
  examples: [
    { title: 'Mon projet est-il concerné ?', payload: '/check_scope' },
    { title: 'Les collectivités sont-elles concernées ?', payload: '/faq{"faq_key":"collectivites"}' },
    { title: 'Comment financer le passage au cloud ?', payload: '/faq{"faq_key":"financement"}' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Safe text rendering: a tiny markdown subset (paragraphs, "- " lists, **bold**, [text](url),
// bare URLs and e-mail addresses), built node by node.

/** Return the URL if it is absolute http(s)/mailto, else null (javascript:, data:, relative…). */
function safeUrl(candidate) {
  var url;
  try {
    url = new URL(String(candidate).trim());
  } catch (error) {
    return null;
  }
  return SAFE_PROTOCOLS.indexOf(url.protocol) === -1 ? null : url.href;
}

/** Build a link that opens in a new tab and says so to screen reader users. */
function createLink(href, label) {
  var link = document.createElement('a');
  link.href = href;
  link.textContent = label;
  if (href.indexOf('mailto:') !== 0) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.title = label + ' - nouvelle fenêtre';
  }
  return link;
}

// [label](url) | **bold** | bare URL | e-mail address
var INLINE_PATTERN = /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*|(https?:\/\/[^\s<>"]+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
var TRAILING_PUNCTUATION = /[.,;:!?)»]+$/;

/** Append the inline content of one line of text to `parent`. */
function appendInline(parent, text) {
  var lastIndex = 0;
  var match;
  INLINE_PATTERN.lastIndex = 0;
  while ((match = INLINE_PATTERN.exec(text)) !== null) {
    var whole = match[0];
    var trailing = '';
    if (match[4]) {
      trailing = (whole.match(TRAILING_PUNCTUATION) || [''])[0];
      whole = whole.slice(0, whole.length - trailing.length);
    }
    parent.appendChild(document.createTextNode(text.slice(lastIndex, match.index)));
    parent.appendChild(inlineNode(match, whole));
    if (trailing) parent.appendChild(document.createTextNode(trailing));
    lastIndex = match.index + match[0].length;
    INLINE_PATTERN.lastIndex = lastIndex;
  }
  parent.appendChild(document.createTextNode(text.slice(lastIndex)));
}

/** The node for one inline match: a link when the URL is safe, else the original text. */
function inlineNode(match, whole) {
  if (match[1] !== undefined) {
    var href = safeUrl(match[2]);
    return href ? createLink(href, match[1]) : document.createTextNode(match[0]);
  }
  if (match[3] !== undefined) {
    var strong = document.createElement('strong');
    appendInline(strong, match[3]);
    return strong;
  }
  if (match[4] !== undefined) {
    var url = safeUrl(whole);
    return url ? createLink(url, whole) : document.createTextNode(whole);
  }
  return createLink('mailto:' + match[5], match[5]);
}

/** Render a message text into block elements (paragraphs and bullet lists). */
function renderText(text) {
  var fragment = document.createDocumentFragment();
  var list = null;
  var paragraph = null;
  String(text).split(/\r?\n/).forEach(function (line) {
    var item = line.match(/^\s*[-*•]\s+(.*)$/);
    if (item) {
      paragraph = null;
      if (!list) {
        list = document.createElement('ul');
        fragment.appendChild(list);
      }
      var li = document.createElement('li');
      appendInline(li, item[1]);
      list.appendChild(li);
    } else if (line.trim() === '') {
      list = null;
      paragraph = null;
    } else {
      list = null;
      if (paragraph) {
        paragraph.appendChild(document.createElement('br'));
      } else {
        paragraph = document.createElement('p');
        fragment.appendChild(paragraph);
      }
      appendInline(paragraph, line);
    }
  });
  return fragment;
}

// ---------------------------------------------------------------------------------------------
// Storage: the session id and the transcript, so that a reload shows the same conversation
// (Rasa 3.6's socketio channel keeps the tracker under the session id but never replays it).

function pickStorage(kind) {
  try {
    var storage = kind === 'local' ? window.localStorage : window.sessionStorage;
    var probe = STORAGE_PREFIX + 'probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch (error) {
    return null; // private mode or storage disabled: the widget still works, without persistence
  }
}

function randomSessionId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, '');
  var bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
}

function createStore(kind) {
  var storage = pickStorage(kind);
  function read(key) {
    try { return storage ? storage.getItem(STORAGE_PREFIX + key) : null; } catch (error) { return null; }
  }
  function write(key, value) {
    try { if (storage) storage.setItem(STORAGE_PREFIX + key, value); } catch (error) { /* quota: ignore */ }
  }
  return {
    sessionId: function () {
      var id = read('sessionId');
      if (!id) {
        id = randomSessionId();
        write('sessionId', id);
      }
      return id;
    },
    setSessionId: function (id) { write('sessionId', id); },
    messages: function () {
      try {
        var parsed = JSON.parse(read('messages') || '[]');
        return Array.isArray(parsed) ? parsed.filter(isValidRecord) : [];
      } catch (error) {
        return [];
      }
    },
    saveMessages: function (messages) {
      write('messages', JSON.stringify(messages.slice(-MAX_STORED_MESSAGES)));
    },
    isOpen: function () { return read('open'); },
    setOpen: function (open) { write('open', open ? '1' : '0'); },
    reset: function () {
      try {
        if (storage) ['sessionId', 'messages'].forEach(function (key) { storage.removeItem(STORAGE_PREFIX + key); });
      } catch (error) { /* ignore */ }
    },
  };
}

/** A stored message must have the shape we wrote; anything else (tampered storage) is dropped. */
function isValidRecord(record) {
  return record && (record.from === 'bot' || record.from === 'user' || record.from === 'adviser') &&
    typeof record.text === 'string' && (record.name === undefined || typeof record.name === 'string') &&
    (record.buttons === undefined || Array.isArray(record.buttons)) &&
    (record.sheet === undefined || sheetOffer({ orientation_sheet: record.sheet }) !== null);
}

// ---------------------------------------------------------------------------------------------
// The orientation sheet (issue 24): after a verdict, the assistant offers its PDF. The widget asks the
// sheet's door for it with the conversation's own secret (its session id), in the body of a POST, never
// in a URL; the PDF is saved from memory under its file name.

var SHEET_REFERENCE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** The sheet's offer in a bot message ({orientation_sheet: {...}}), or null. */
function sheetOffer(data) {
  var offer = data && data.orientation_sheet;
  if (!offer || typeof offer !== 'object' || typeof offer.reference !== 'string' ||
      !SHEET_REFERENCE.test(offer.reference) || !safeUrl(offer.url) || typeof offer.title !== 'string') return null;
  return { reference: offer.reference, url: safeUrl(offer.url), title: offer.title,
    issued: typeof offer.issued === 'number' ? offer.issued : null,
    filename: 'fiche-orientation-' + offer.reference + '.pdf' };
}

/** Convert a socket.io bot_uttered payload into message records. */
function recordsFromBotMessage(data) {
  if (!data || typeof data !== 'object') return [];
  var buttons = [];
  [data.quick_replies, data.buttons].forEach(function (list) {
    if (!Array.isArray(list)) return;
    list.forEach(function (button) {
      if (button && typeof button.title === 'string' && typeof button.payload === 'string') {
        buttons.push({ title: button.title, payload: button.payload });
      }
    });
  });
  var sheet = sheetOffer(data);
  if (sheet) return [{ from: 'bot', text: '', sheet: sheet }];
  var text = typeof data.text === 'string' ? data.text : '';
  var attachment = data.attachment && data.attachment.payload && data.attachment.payload.src;
  if (typeof attachment === 'string' && safeUrl(attachment)) {
    text += (text ? '\n' : '') + 'Pièce jointe : ' + attachment;
  }
  if (!text && !buttons.length) return [];
  if (data.from_adviser === true) {
    // Written by a support adviser, not by the assistant: the person must know (visibly and for screen readers).
    var name = typeof data.adviser_name === 'string' ? data.adviser_name.slice(0, 60) : '';
    return [{ from: 'adviser', name: name, text: text, buttons: [], used: false }];
  }
  return [{ from: 'bot', text: text, buttons: buttons, used: false }];
}

/** Who wrote a message, as a screen reader announces it. */
function authorLabel(record) {
  if (record.from === 'adviser') {
    return record.name ? 'Le conseiller ' + record.name + ' (une personne) a écrit : ' : 'Un conseiller (une personne) a écrit : ';
  }
  return record.from === 'bot' ? 'L’assistant a écrit : ' : 'Vous avez écrit : ';
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

function element(tag, attributes, text) {
  var node = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (name) {
    if (name === 'className') node.className = attributes[name];
    else node.setAttribute(name, attributes[name]);
  });
  if (text !== undefined) node.textContent = text;
  return node;
}

function loadStylesheet(href) {
  if (!href || document.querySelector('link[data-cloud-widget-css]')) return;
  var link = element('link', { rel: 'stylesheet', href: href, 'data-cloud-widget-css': '' });
  document.head.appendChild(link);
}

// ---------------------------------------------------------------------------------------------
// The widget

function Widget(options) {
  this.options = options;
  this.store = createStore(options.storage);
  this.messages = this.store.messages();
  this.sessionId = this.store.sessionId();
  this.typingTimer = null;
  // The message sent and not answered yet: sent again once, on reconnection, when the connection was lost
  // before its answer (a part of the assistant restarting: docs/reliability.md).
  this.pending = null;
  this.socket = null;
  this.buildDom();
  this.renderAll();
  // Attached once its transcript is in: the log's live region then announces new messages only, never the
  // whole stored conversation again when the page loads.
  this.attach();
  this.connect();
  var stored = this.store.isOpen();
  this.setOpen(stored === null ? !!options.open : stored === '1', false);
}

Widget.prototype.buildDom = function () {
  var self = this;
  var root = element('aside', { className: 'caw', id: 'cloud-au-centre-widget', lang: 'fr', 'aria-label': 'Assistant' });
  if (!this.options.container) root.classList.add('caw--floating');

  this.launcher = element('button', {
    type: 'button', className: 'fr-btn caw-launcher', 'aria-expanded': 'false', 'aria-controls': 'caw-panel',
  }, 'Poser une question à l’assistant');
  this.launcher.addEventListener('click', function () { self.setOpen(true, true); });

  this.panel = element('section', { className: 'caw-panel', id: 'caw-panel', 'aria-labelledby': 'caw-title' });
  var header = element('div', { className: 'caw-header' });
  var titles = element('div', { className: 'caw-titles' });
  titles.appendChild(element('h2', { className: 'caw-title', id: 'caw-title' }, this.options.title));
  titles.appendChild(element('p', { className: 'caw-subtitle' }, this.options.subtitle));
  var tools = element('div', { className: 'caw-tools' });
  this.restartButton = element('button', {
    type: 'button', className: 'fr-btn fr-btn--tertiary fr-btn--sm caw-restart',
    title: 'Recommencer : effacer la conversation et repartir de zéro',
  }, 'Recommencer');
  this.restartButton.addEventListener('click', function () { self.restart(); });
  this.closeButton = element('button', {
    type: 'button', className: 'fr-btn fr-btn--tertiary-no-outline fr-btn--sm caw-close',
    'aria-controls': 'caw-panel', title: 'Réduire la fenêtre de l’assistant',
  }, 'Réduire');
  this.closeButton.addEventListener('click', function () { self.setOpen(false, true); });
  tools.appendChild(this.restartButton);
  tools.appendChild(this.closeButton);
  header.appendChild(titles);
  header.appendChild(tools);

  this.status = element('p', { className: 'caw-status caw-status--connecting', role: 'status' }, 'Connexion à l’assistant…');

  this.log = element('div', {
    className: 'caw-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
    'aria-label': 'Conversation avec l’assistant', tabindex: '0',
  });

  this.typing = element('p', { className: 'caw-typing', role: 'status' });
  this.typingText = element('span', { className: 'caw-typing__text' });
  this.typing.appendChild(this.typingText);

  this.form = element('form', { className: 'caw-form', novalidate: '' });
  var label = element('label', { className: 'fr-label', for: 'caw-input' }, 'Votre question');
  label.appendChild(element('span', { className: 'fr-hint-text' }, 'Entrée pour envoyer. Ne saisissez pas de données personnelles.'));
  var row = element('div', { className: 'caw-form__row' });
  this.input = element('input', {
    className: 'fr-input caw-input', id: 'caw-input', name: 'message', type: 'text', autocomplete: 'off',
    // Required (said to screen readers); the form is `novalidate`: our own message says what to do.
    maxlength: String(MAX_MESSAGE_LENGTH), required: '',
  });
  this.sendButton = element('button', { type: 'submit', className: 'fr-btn caw-send' }, 'Envoyer');
  row.appendChild(this.input);
  row.appendChild(this.sendButton);
  // Always in the page, empty when there is nothing to say: a live region that appears with its message (the
  // `hidden` attribute removed at the same time) is not announced by screen readers.
  this.formError = element('p', { className: 'fr-error-text caw-form__error', id: 'caw-input-error', 'aria-live': 'assertive' });
  this.form.appendChild(label);
  this.form.appendChild(row);
  this.form.appendChild(this.formError);
  this.form.addEventListener('submit', function (event) {
    event.preventDefault();
    self.submitInput();
  });

  var footer = element('p', { className: 'caw-footer' });
  footer.appendChild(document.createTextNode('Orientation indicative, pas un avis juridique. Contact : '));
  footer.appendChild(createLink('mailto:infonuage.dinum@modernisation.gouv.fr', 'infonuage.dinum@modernisation.gouv.fr'));

  footer.appendChild(document.createTextNode(' · '));
  footer.appendChild(element('a', { href: this.options.accessibilityUrl, className: 'caw-footer__a11y' }, ACCESSIBILITY_STATUS));

  [header, this.status, this.log, this.typing, this.form, footer].forEach(function (part) { self.panel.appendChild(part); });
  root.appendChild(this.launcher);
  root.appendChild(this.panel);
  this.root = root;
};

Widget.prototype.attach = function () {
  var host = this.options.container ? document.querySelector(this.options.container) : null;
  (host || document.body).appendChild(this.root);
};

Widget.prototype.setOpen = function (open, moveFocus) {
  this.panel.hidden = !open;
  this.launcher.hidden = open;
  this.launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
  this.root.classList.toggle('caw--open', open);
  this.store.setOpen(open);
  if (open) {
    this.scrollToEnd();
    if (moveFocus) this.input.focus();
  } else if (moveFocus) {
    this.launcher.focus();
  }
};

Widget.prototype.welcomeRecord = function () {
  return { from: 'bot', text: this.options.welcome, buttons: this.options.examples.slice(0, 3), used: false, welcome: true };
};

Widget.prototype.renderAll = function () {
  this.log.textContent = '';
  if (!this.messages.length) this.messages.push(this.welcomeRecord());
  var self = this;
  this.messages.forEach(function (record, index) { self.log.appendChild(self.renderMessage(record, index)); });
  this.store.saveMessages(this.messages);
};

Widget.prototype.renderMessage = function (record, index) {
  var self = this;
  var fromAdviser = record.from === 'adviser';
  var fromBot = record.from === 'bot' || fromAdviser;
  var kind = fromAdviser ? 'caw-msg--bot caw-msg--adviser' : (fromBot ? 'caw-msg--bot' : 'caw-msg--user');
  var item = element('div', { className: 'caw-msg ' + kind });
  item.appendChild(element('span', { className: 'fr-sr-only' }, authorLabel(record)));
  if (fromAdviser) {
    item.appendChild(element('p', { className: 'caw-msg__author', 'aria-hidden': 'true' },
      'Conseiller' + (record.name ? ' · ' + record.name : '') + ' (une personne)'));
  }
  var bubble = element('div', { className: 'caw-bubble' });
  if (record.sheet) {
    item.appendChild(this.renderSheet(record.sheet));
    return item;
  }
  if (fromBot) bubble.appendChild(renderText(record.text));
  else bubble.appendChild(element('p', {}, record.text));
  item.appendChild(bubble);
  if (record.buttons && record.buttons.length) {
    var group = element('ul', { className: 'caw-replies', 'aria-label': 'Réponses proposées' });
    record.buttons.forEach(function (button) {
      var li = element('li');
      var control = element('button', { type: 'button', className: 'fr-btn fr-btn--secondary fr-btn--sm caw-reply' }, button.title);
      control.disabled = !!record.used;
      control.addEventListener('click', function () { self.chooseReply(index, button); });
      li.appendChild(control);
      group.appendChild(li);
    });
    item.appendChild(group);
  }
  return item;
};

/** The download button of a sheet and the line that says how it went. */
Widget.prototype.renderSheet = function (sheet) {
  var self = this;
  var box = element('div', { className: 'caw-sheet' });
  var button = element('button', {
    type: 'button', className: 'fr-btn fr-btn--secondary fr-btn--sm caw-sheet__download',
  }, sheet.title);
  var detail = element('p', { className: 'caw-sheet__detail', 'aria-live': 'polite' }, 'PDF – référence ' + sheet.reference);
  button.addEventListener('click', function () { self.downloadSheet(sheet, button, detail); });
  box.appendChild(button);
  box.appendChild(detail);
  return box;
};

Widget.prototype.downloadSheet = function (sheet, button, detail) {
  var self = this;
  button.disabled = true;
  detail.textContent = 'Préparation de la fiche…';
  var done = function (message) {
    button.disabled = false;
    detail.textContent = message;
  };
  fetch(sheet.url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'omit',
    body: JSON.stringify({ conversation_id: self.sessionId, issued: sheet.issued }),
  }).then(function (response) {
    if (response.ok) return response.blob().then(function (blob) {
      var link = element('a', { href: URL.createObjectURL(blob), download: sheet.filename });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
      done('Fiche téléchargée : ' + sheet.filename);
    });
    return response.json().then(function (body) {
      done(body && typeof body.erreur === 'string' ? body.erreur : 'La fiche n’a pas pu être produite.');
    }, function () { done('La fiche n’a pas pu être produite. Réessayez dans un instant.'); });
  }, function () {
    done('La fiche n’a pas pu être téléchargée : connexion impossible. Réessayez dans un instant.');
  });
};

Widget.prototype.addMessage = function (record) {
  this.messages.push(record);
  this.log.appendChild(this.renderMessage(record, this.messages.length - 1));
  this.store.saveMessages(this.messages);
  this.scrollToEnd();
};

Widget.prototype.scrollToEnd = function () {
  this.log.scrollTop = this.log.scrollHeight;
};

/** Disable every quick-reply group still active: once the user moved on, old choices are stale. */
Widget.prototype.retireReplies = function () {
  var changed = false;
  this.messages.forEach(function (record) {
    if (record.buttons && record.buttons.length && !record.used) {
      record.used = true;
      changed = true;
    }
  });
  if (!changed) return;
  Array.prototype.forEach.call(this.log.querySelectorAll('.caw-reply'), function (button) { button.disabled = true; });
};

Widget.prototype.chooseReply = function (index, button) {
  if (!this.send(button.payload, button.title)) return;
  this.input.focus();
};

Widget.prototype.submitInput = function () {
  var text = this.input.value.replace(/\s+/g, ' ').trim();
  if (!text) {
    this.showFormError('Écrivez votre question avant d’envoyer.');
    this.input.setAttribute('aria-invalid', 'true');
    return;
  }
  this.input.removeAttribute('aria-invalid');
  if (this.send(text, text)) this.input.value = '';
};

Widget.prototype.showFormError = function (message) {
  this.formError.textContent = message;
  if (message) this.input.setAttribute('aria-describedby', 'caw-input-error');
  else this.input.removeAttribute('aria-describedby');
};

/** Send a message (typed text or button payload); the user sees `shown`. False when not sent. */
Widget.prototype.send = function (payload, shown) {
  if (!this.socket || !this.socket.connected) {
    this.showFormError('Connexion perdue : votre message n’a pas été envoyé. Réessayez dans un instant.');
    return false;
  }
  this.showFormError('');
  this.retireReplies();
  this.addMessage({ from: 'user', text: String(shown).slice(0, MAX_MESSAGE_LENGTH) });
  this.pending = { message: String(payload).slice(0, MAX_MESSAGE_LENGTH), id: newMessageId(), resent: false };
  this.socket.emit('user_uttered', {
    message: this.pending.message, message_id: this.pending.id, session_id: this.sessionId,
  });
  this.setTyping(true);
  return true;
};

/** After a reconnection: the message whose answer never came is sent again, once. */
Widget.prototype.resendPending = function () {
  if (!this.pending || this.pending.resent) return;
  this.pending.resent = true;
  // The same name: if Rasa had stored it before the connection dropped, it answers again without
  // processing it twice (rasa_patches/message_replay.py).
  this.socket.emit('user_uttered', {
    message: this.pending.message, message_id: this.pending.id, session_id: this.sessionId,
  });
  this.setTyping(true);
  this.setStatusText('Reconnecté : votre dernier message a été renvoyé.');
};

Widget.prototype.setTyping = function (on) {
  var self = this;
  clearTimeout(this.typingTimer);
  this.typing.classList.toggle('caw-typing--on', on);
  this.typingText.textContent = on ? 'L’assistant rédige une réponse…' : '';
  if (on) {
    this.typingTimer = setTimeout(function () {
      self.setTyping(false);
      // Never a silent nothing: the person knows the answer did not come and what to do.
      if (self.pending) self.showFormError(RESTARTING_TEXT);
    }, TYPING_TIMEOUT_MS);
  }
};

Widget.prototype.restart = function () {
  if (!this.socket || !this.socket.connected) {
    // Clearing only the screen would leave Rasa in the old conversation (a form half filled…).
    this.showFormError('Connexion perdue : impossible de recommencer pour l’instant. Réessayez dans un instant.');
    return;
  }
  this.socket.emit('user_uttered', { message: '/restart', session_id: this.sessionId });
  this.pending = null;
  this.showFormError('');
  this.setTyping(false);
  this.messages = [];
  this.store.saveMessages(this.messages);
  this.renderAll();
  this.setStatusText('La conversation a été effacée. Vous pouvez poser une nouvelle question.');
  this.input.focus();
};

Widget.prototype.setStatus = function (state) {
  var texts = {
    connecting: 'Connexion à l’assistant…',
    connected: 'Connecté à l’assistant.',
    lost: 'Connexion perdue. Reconnexion automatique en cours…',
  };
  this.status.className = 'caw-status caw-status--' + state;
  this.status.textContent = texts[state];
  this.root.setAttribute('data-connection', state);
};

Widget.prototype.setStatusText = function (text) {
  this.status.textContent = text;
};

Widget.prototype.connect = function () {
  var self = this;
  var socket = io(this.options.socketUrl, {
    path: this.options.socketPath,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 10000,
  });
  this.socket = socket;
  socket.on('connect', function () {
    socket.emit('session_request', { session_id: self.sessionId });
  });
  socket.on('session_confirm', function (data) {
    var confirmed = typeof data === 'string' ? data : data && data.session_id;
    if (confirmed && confirmed !== self.sessionId) {
      self.sessionId = confirmed;
      self.store.setSessionId(confirmed);
    }
    self.setStatus('connected');
    self.showFormError('');
    self.resendPending();
  });
  socket.on('bot_uttered', function (data) {
    self.pending = null;
    self.setTyping(false);
    recordsFromBotMessage(data).forEach(function (record) { self.addMessage(record); });
  });
  socket.on('disconnect', function () {
    self.setTyping(false);
    self.setStatus('lost');
    if (self.pending) {
      self.setStatusText(RESTARTING_TEXT + ' Votre message sera renvoyé dès la reconnexion.');
    }
  });
  socket.on('connect_error', function () {
    self.setStatus('lost');
  });
};

// ---------------------------------------------------------------------------------------------
// Public API: window.CloudAuCentreWidget.init({...}) or a script tag with data-socket-url.

var currentScript = document.currentScript;
var instance = null;

function scriptDirectory() {
  if (!currentScript || !currentScript.src) return '';
  return currentScript.src.replace(/[^/]*([?#].*)?$/, '');
}

function optionsFromScriptTag() {
  if (!currentScript) return null;
  var data = currentScript.dataset;
  if (!data.socketUrl) return null;
  var options = { socketUrl: data.socketUrl };
  if (data.socketPath) options.socketPath = data.socketPath;
  if (data.title) options.title = data.title;
  if (data.open) options.open = data.open === 'true';
  if (data.storage) options.storage = data.storage;
  if (data.container) options.container = data.container;
  if (data.stylesheet) options.stylesheet = data.stylesheet;
  return options;
}

function init(userOptions) {
  if (instance) return;
  var options = {};
  Object.keys(DEFAULT_OPTIONS).forEach(function (key) { options[key] = DEFAULT_OPTIONS[key]; });
  Object.keys(userOptions || {}).forEach(function (key) {
    if (userOptions[key] !== undefined && userOptions[key] !== null) options[key] = userOptions[key];
  });
  if (!safeUrl(options.socketUrl)) throw new Error('CloudAuCentreWidget : socketUrl doit être une URL http(s).');
  loadStylesheet(options.stylesheet || scriptDirectory() + 'cloud-widget.css');
  options.accessibilityUrl = options.accessibilityUrl || scriptDirectory() + 'accessibilite.html';
  var start = function () { instance = instance || new Widget(options); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}

window.CloudAuCentreWidget = {
  version: WIDGET_VERSION,
  init: init,
};

var fromTag = optionsFromScriptTag();
if (fromTag) init(fromTag);
