// Build the static page into build/ from src/ and the npm packages in node_modules/ (no network).
// - index.html, accessibilite.html, embed-example.html: with the shared skip links, header and footer of
//   src/partials/
// - cloud-widget.js: socket.io-client (UMD, kept out of the host page's globals) + src/widget.js
// - dsfr/: the DSFR stylesheet with the fonts, icons and favicons it references
// - vendor/axe.min.js: axe-core, injected by the browser tests only (never linked from the page)
'use strict';
const fs = require('fs');
const path = require('path');

const here = __dirname;
const out = path.join(here, 'build');
const modules = path.join(here, 'node_modules');
const dsfrDist = path.join(modules, '@gouvfr', 'dsfr', 'dist');

/** Read a text file and drop its source-map comment (the maps are not shipped). */
function readWithoutSourceMap(file) {
  return fs.readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/** Wrap socket.io's UMD build so that it fills a local `module` instead of window.io or an AMD define. */
function widgetBundle() {
  const socketIo = readWithoutSourceMap(path.join(modules, 'socket.io-client', 'dist', 'socket.io.min.js'));
  const widget = fs.readFileSync(path.join(here, 'src', 'widget.js'), 'utf8');
  const version = require(path.join(modules, 'socket.io-client', 'package.json')).version;
  return [
    '/*! Widget « Cloud au centre » — socket.io-client ' + version + ' (MIT) inclus. */',
    '(function () {',
    'var module = { exports: {} }; var exports = module.exports; var define;',
    socketIo,
    'var io = module.exports;',
    widget,
    '})();',
    '',
  ].join('\n');
}

/** src/partials/name.html without its own leading comment (which says what the partial is for). */
function partial(name) {
  return fs.readFileSync(path.join(here, 'src', 'partials', name), 'utf8').replace(/^<!--[\s\S]*?-->\n/, '');
}

/** The page with each `<!--#include name.html-->` line replaced by src/partials/name.html (the skip links, the
 *  header and the footer the pages share). The lines a page puts between an include and an `<!--#end-->` line
 *  are its own: they take the place of the partial's `<!--#page-->` line, dropped where a page has none (the
 *  widget page's skip link to the assistant). */
function withPartials(html) {
  return html.replace(/^[ \t]*<!--#include ([\w.-]+)-->\n(?:((?:(?![ \t]*<!--#).*\n)*?)[ \t]*<!--#end-->\n)?/gm,
    (_, name, own) => partial(name).replace(/^[ \t]*<!--#page-->\n/m, () => own || ''));
}

function copy(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'dsfr'), { recursive: true });
fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
for (const name of ['index.html', 'embed-example.html', 'accessibilite.html']) {
  fs.writeFileSync(path.join(out, name), withPartials(fs.readFileSync(path.join(here, 'src', name), 'utf8')));
}
copy(path.join(here, 'src', 'cloud-widget.css'), path.join(out, 'cloud-widget.css'));
fs.writeFileSync(path.join(out, 'cloud-widget.js'), widgetBundle());
fs.writeFileSync(path.join(out, 'dsfr', 'dsfr.min.css'), readWithoutSourceMap(path.join(dsfrDist, 'dsfr.min.css'))
  .replace(/\/\*# sourceMappingURL=\S+ \*\/\s*$/, ''));
for (const folder of ['fonts', 'icons', 'favicon']) {
  copy(path.join(dsfrDist, folder), path.join(out, 'dsfr', folder));
}
copy(path.join(modules, 'axe-core', 'axe.min.js'), path.join(out, 'vendor', 'axe.min.js'));
console.log('webchat : page construite dans ' + path.relative(process.cwd(), out) + '/');
