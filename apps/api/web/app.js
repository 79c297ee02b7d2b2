// Labfleet's web page: hash routes, the navigation, and who is logged in.
import { adoptFragment, get, loggedIn, logout, onSessionChange } from './api.js';
import { clear, explain, h } from './ui.js';
import { adminView } from './views/admin.js';
import { homeView } from './views/home.js';
import { labView } from './views/lab.js';
import { loginView } from './views/login.js';
import { teachView } from './views/teach.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let me = null;
let cleanup = null;

// Each view draws into its own element, so a slow view that finishes after the person moved on
// draws into nothing; it returns a clean-up function (timers, terminals).
const routes = [
  [/^#\/login$/, (el) => loginView(el), { open: true }],
  [/^#\/lab\/([0-9a-f-]{36})$/, (el, m) => labView(el, { labId: m[1] })],
  [/^#\/watch\/([0-9a-f-]{36})$/, (el, m) => labView(el, { labId: m[1], readOnly: true })],
  [/^#\/teach$/, (el) => teachView(el, { me })],
  [/^#\/admin$/, (el) => adminView(el, { me })],
  [/^#\/labs$/, (el) => homeView(el, { me })],
  [/^(#\/?)?$/, (el) => (location.hash = landing())],
];

/** Where "#/" leads: students to their labs, teachers to their courses, admins to the admin page. */
const landing = () => (me.enrolled.length || !(me.teaching.length || me.role.endsWith('admin')) ? '#/labs' : me.teaching.length ? '#/teach' : '#/admin');

function drawNav() {
  const links = [];
  if (me) {
    links.push(['#/labs', 'My labs']);
    if (me.teaching.length || me.role.endsWith('admin')) links.push(['#/teach', 'Teaching']);
    if (me.role.endsWith('admin')) links.push(['#/admin', 'Admin']);
  }
  const here = location.hash;
  clear(
    nav,
    links.map(([href, text]) => h('a', { href, 'aria-current': here === href ? 'page' : null }, text)),
    me ? h('span', { class: 'who' }, me.label) : null,
    me ? h('button', { type: 'button', class: 'link', onclick: async () => (await logout(), (location.hash = '#/login')) }, 'Log out') : null,
  );
}

async function route() {
  if (cleanup) {
    const c = cleanup;
    cleanup = null;
    c();
  }
  const el = h('div', { class: 'view' });
  clear(main, el);
  const hash = location.hash;
  const [match, view, opts] = routes.map(([re, v, o]) => [re.exec(hash), v, o || {}]).find(([m]) => m) || [null];
  if (!match) return (location.hash = '#/');
  if (!opts.open && !loggedIn()) return (location.hash = '#/login');
  if (opts.open && loggedIn()) return (location.hash = '#/');
  try {
    if (loggedIn() && !me) me = await get('/me');
    drawNav();
    const c = await view(el, match);
    if (location.hash === hash) cleanup = typeof c === 'function' ? c : null;
    else if (typeof c === 'function') c();
  } catch (e) {
    if (e.status === 401) return (location.hash = '#/login');
    el.append(h('p', { class: 'notice error', role: 'alert' }, explain(e)));
  }
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

onSessionChange((on) => {
  if (on) return;
  me = null;
  drawNav();
  if (location.hash !== '#/login') location.hash = '#/login';
});

async function boot() {
  // Back from the school sign-in: the tokens are in the fragment.
  if (/^#access_token=/.test(location.hash)) {
    try {
      await adoptFragment(location.hash);
    } catch (e) {
      main.append(h('p', { class: 'notice error', role: 'alert' }, explain(e)));
    }
    history.replaceState(null, '', '#/');
  }
  window.addEventListener('hashchange', route);
  await route();
}

void boot();
