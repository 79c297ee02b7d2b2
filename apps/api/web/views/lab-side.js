// The panels beside a lab's terminal: its open ports, and files in and out.
import { api, get } from '../api.js';
import { clear, every, explain, h, notice } from '../ui.js';

/** Open ports of the lab, as links (new tab), refreshed every 3 s. Returns a stop function. */
export function portsPanel(labId) {
  const list = h('ul', { id: 'ports-list', class: 'ports', 'aria-live': 'polite' });
  const state = h('p', { class: 'hint' }, 'Looking for open ports…');
  const el = h('section', { class: 'card', 'aria-labelledby': 'ports-h' }, h('h2', { id: 'ports-h' }, 'Open ports'), state, list);
  let shown = '';
  const stop = every(3000, async () => {
    let ports;
    try {
      ports = await get(`/labs/${labId}/ports`);
    } catch (e) {
      state.textContent = `Ports are not available: ${explain(e)}`;
      return;
    }
    const key = JSON.stringify(ports);
    if (key === shown) return;
    shown = key;
    state.textContent = ports.length ? 'Open in a new tab:' : 'No open port yet. Try: docker run -d -p 8080:80 nginx';
    clear(
      list,
      ports.filter((p) => /^\/[^/]/.test(p.url)).map((p) =>
        h(
          'li',
          {},
          h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer', dataset: { port: p.port, node: p.node } }, `${p.node}:${p.port}`),
          h('span', { class: 'hint' }, ` ${p.protocol}${p.target ? ` → ${p.target}` : ''}`),
        ),
      ),
    );
  });
  return { el, stop };
}

/** Upload into /root (a .tar or .zip is unpacked there) and download any path, on the node shown. */
export function filesPanel(labId, multiNode) {
  let node = 'node1';
  const on = h('p', { class: 'hint', hidden: !multiNode, 'aria-live': 'polite' });
  const message = h('p', { hidden: true });
  const file = h('input', { id: 'upload-file', type: 'file' });
  const upload = h('button', { type: 'submit' }, 'Upload');
  const path = h('input', { id: 'download-path', type: 'text', value: '/root/', spellcheck: false, autocomplete: 'off' });
  const download = h('button', { type: 'submit', class: 'secondary' }, 'Download');

  const uploadForm = h(
    'form',
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = file.files[0];
        if (!f) return notice(message, 'Choose a file first.', 'error');
        const archive = /\.(tar|zip)$/i.test(f.name);
        const query = `node=${node}&${archive ? 'path=%2Froot%2F&extract=1' : `path=${encodeURIComponent(`/root/${f.name}`)}`}`;
        upload.disabled = true;
        notice(message, `Uploading ${f.name}…`);
        try {
          await api('PUT', `/labs/${labId}/files?${query}`, { data: f, type: 'application/octet-stream' });
          notice(message, archive ? `${f.name} unpacked into /root/.` : `Saved as /root/${f.name}.`, 'ok');
        } catch (e) {
          notice(message, explain(e), 'error');
        } finally {
          upload.disabled = false;
        }
      },
    },
    h('label', { for: 'upload-file' }, 'Upload to /root (.tar and .zip are unpacked)'),
    h('div', { class: 'row' }, file, upload),
  );

  const downloadForm = h(
    'form',
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        download.disabled = true;
        try {
          const res = await api('GET', `/labs/${labId}/files?node=${node}&path=${encodeURIComponent(path.value)}`, { raw: true });
          const fromHeader = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') || '')?.[1];
          const name = fromHeader || path.value.replace(/\/+$/, '').split('/').pop() || 'download';
          const url = URL.createObjectURL(await res.blob());
          const a = h('a', { href: url, download: name, hidden: true });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
          notice(message, `Downloaded ${name}.`, 'ok');
        } catch (e) {
          notice(message, explain(e), 'error');
        } finally {
          download.disabled = false;
        }
      },
    },
    h('label', { for: 'download-path' }, 'Download a file or folder (path in the lab)'),
    h('div', { class: 'row' }, path, download),
  );

  const el = h('section', { class: 'card', 'aria-labelledby': 'files-h' }, h('h2', { id: 'files-h' }, 'Files'), on, uploadForm, downloadForm, message);
  const setNode = (next) => {
    node = next;
    on.textContent = `On ${next} (the terminal shown).`;
  };
  setNode(node);
  return { el, setNode };
}
