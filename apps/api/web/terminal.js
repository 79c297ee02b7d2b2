// A lab's shell in xterm.js over a WebSocket. The shell is a tmux session in the lab, so a
// reconnect (with a new one-time ticket) finds the same shell.
import { api } from './api.js';

let loading = null;

/** Loads the vendored xterm.js and its fit addon once, on the first terminal (the login page stays small). */
function loadXterm() {
  const script = (src) =>
    new Promise((resolve, reject) => {
      const s = Object.assign(document.createElement('script'), { src, onload: resolve, onerror: () => reject(new Error(`could not load ${src}`)) });
      document.head.append(s);
    });
  loading ??= (async () => {
    document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/vendor/xterm.css' }));
    await script('/vendor/xterm.js');
    await script('/vendor/addon-fit.js');
  })();
  return loading;
}

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

/**
 * Opens a terminal on `node` of lab `labId` in `el`. `onState(state, text)` reports
 * connecting / open / reconnecting / ended / failed. Returns { fit, focus, reconnect, dispose }.
 * @param {HTMLElement} el
 * @param {{ labId: string, node: string, readOnly?: boolean, onState?: (state: string, text: string) => void }} options
 */
export async function openTerminal(el, { labId, node, readOnly = false, onState = () => {} }) {
  await loadXterm();
  const term = new globalThis.Terminal({
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    scrollback: 5000,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: 15,
    screenReaderMode: false,
  });
  const fitter = new globalThis.FitAddon.FitAddon();
  term.loadAddon(fitter);
  term.open(el);
  const fit = () => {
    if (el.offsetParent !== null) fitter.fit();
  };
  fit();

  let ws = null;
  let attempt = 0;
  let retry = 0;
  let disposed = false;
  let ended = false;
  const state = (s, text) => {
    el.dataset.state = s;
    onState(s, text);
  };
  const send = (msg) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(msg));
  const sendSize = () => !readOnly && send({ type: 'resize', cols: term.cols, rows: term.rows });

  async function connect() {
    clearTimeout(retry);
    if (disposed) return;
    ended = false;
    state(attempt ? 'reconnecting' : 'connecting', 'Connecting…');
    let url;
    try {
      ({ url } = await api('POST', `/labs/${labId}/terminal`, { json: readOnly ? { node, readOnly: true } : { node } }));
    } catch (e) {
      // 404: not your lab or no longer there; 409: not ready. Retrying will not help.
      if (e.status === 404 || e.status === 409 || e.status === 403) return state('failed', e.message);
      return later();
    }
    if (disposed) return;
    fit();
    const sized = `${url}${url.includes('?') ? '&' : '?'}cols=${term.cols}&rows=${term.rows}`;
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${readOnly ? url : sized}`);
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      state('open', readOnly ? 'Watching (read-only)' : 'Connected');
      fit();
      sendSize();
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return term.write(new Uint8Array(ev.data));
      /** @type {{ type?: string }} */
      let msg = {};
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === 'exit') {
        ended = true;
        term.write('\r\n\x1b[2m[the shell has ended]\x1b[0m\r\n');
        state('ended', 'The shell has ended.');
      }
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      if (!disposed && !ended) later();
    };
  }

  function later() {
    const wait = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)];
    state('reconnecting', `Connection lost; reconnecting in ${Math.ceil(wait / 1000)} s…`);
    retry = setTimeout(connect, wait);
  }

  term.onData((data) => !readOnly && send({ type: 'input', data }));
  term.onResize(sendSize);
  const onWindowResize = () => fit();
  window.addEventListener('resize', onWindowResize);
  await connect();

  return {
    term,
    fit,
    focus: () => term.focus(),
    reconnect: () => {
      attempt = 0;
      ws?.close();
      ws = null;
      void connect();
    },
    dispose() {
      disposed = true;
      clearTimeout(retry);
      window.removeEventListener('resize', onWindowResize);
      ws?.close();
      term.dispose();
    },
  };
}
