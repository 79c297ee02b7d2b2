// Labfleet's web page: hash routes, the navigation, and who is logged in.
import { get, loggedIn, logout, onSessionChange, redeemLoginCode } from './api.js';
import { clear, explain, h } from './ui.js';
import { adminView } from './views/admin.js';
import { homeView } from './views/home.js';
import { labView } from './views/lab.js';
import { loginView } from './views/login.js';
import { teachView } from './views/teach.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
let me = null;
let cleanup = null;
/** Why the school sign-in we came back from failed, for the login page to say once. */
let signInFailure = null;
const takeSignInFailure = () => {
  const failure = signInFailure;
  signInFailure = null;
  return failure;
};

// Each view draws into its own element, so a slow view that finishes after the person moved on
// draws into nothing; it returns a clean-up function (timers, terminals).
/** @type {Array<[RegExp, (el: HTMLElement, m: RegExpExecArray) => unknown, { open?: boolean }?]>} */
const routes = [
  [/^#\/login$/, (el) => loginView(el, { failure: takeSignInFailure() }), { open: true }],
  [/^#\/lab\/([0-9a-f-]{36})$/, (el, m) => labView(el, { labId: m[1] })],
  [/^#\/watch\/([0-9a-f-]{36})$/, (el, m) => labView(el, { labId: m[1], readOnly: true })],
  [/^#\/teach$/, (el) => teachView(el, { me })],
  [/^#\/admin$/, (el) => adminView(el)],
  [/^#\/labs$/, (el) => homeView(el, { me })],
  [/^(#\/?)?$/, () => (location.hash = landing())],
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
  const found = routes.map(([re, view, opts]) => ({ match: re.exec(hash), view, opts: opts || {} })).find((r) => r.match);
  if (!found?.match) return (location.hash = '#/');
  const { match, view, opts } = found;
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
  // Back from the school sign-in: a one-time code for the tokens is in the fragment.
  if (/^#login_code=/.test(location.hash)) {
    try {
      await redeemLoginCode(location.hash);
    } catch (e) {
      signInFailure = explain(e);
    }
    history.replaceState(null, '', loggedIn() ? '#/' : '#/login');
  }
  window.addEventListener('hashchange', () => void route());
  await route();
}

void boot();
