// One lab: live progress until ready, then its terminals (one tab per node), time left, ports and files.
// `readOnly` is the teacher's "watch terminal" view.
import { del, get, post } from '../api.js';
import { openTerminal } from '../terminal.js';
import { deadline, duration, expiryStage, explain, h, notice, statusText, time } from '../ui.js';
import { exercisesPanel } from './lab-exercises.js';
import { filesPanel, portsPanel } from './lab-side.js';

/** The answer of POST /labs, so the new lab shows at once, before the first poll. */
export const lastCreated = new Map();

const LIVE = ['pending', 'provisioning', 'ready'];

export function labView(main, { labId, readOnly = false }) {
  const title = h('h1', {}, readOnly ? 'Watching a lab (read-only)' : 'My lab');
  const status = h('p', { id: 'lab-status', class: 'status', role: 'status', 'aria-live': 'polite' }, 'Loading…');
  const progress = h('ol', { id: 'lab-progress', class: 'progress', 'aria-label': 'Progress' });
  const work = h('div', { id: 'lab-work', class: 'lab-work', hidden: true });
  // Right after the platform starts, its image mirror is still filling: a `docker pull` may fail until it is.
  const warmup = h('p', { id: 'mirror-warmup', class: 'hint', hidden: true, title: 'Images your lab pulls arrive in the platform’s mirror; a pull of one not yet there fails until it is.' });
  const back = h('p', {}, h('a', { href: readOnly ? '#/teach' : '#/labs' }, readOnly ? '← My courses' : '← My labs'));
  main.append(back, title, status, warmup, progress, work);

  let lab = lastCreated.get(labId) || null;
  lastCreated.delete(labId);
  let last = '';
  let pollTimer = 0;
  let built = null;
  let stopped = false;
  let warmupTimer = 0;

  const watchWarmup = async () => {
    const mirror = await fetch('/health').then((r) => r.json()).then((b) => b.mirror, () => null);
    if (stopped) return;
    warmup.hidden = !mirror?.warming;
    if (!mirror?.warming) return;
    warmup.textContent = `Preparing images: ${mirror.images.done} of ${mirror.images.total}`;
    warmupTimer = setTimeout(watchWarmup, 3000);
  };

  const show = (next) => {
    lab = next;
    status.dataset.status = lab.status;
    status.textContent = statusText(lab);
    if (readOnly && lab.ownerEmail) title.textContent = `Watching ${lab.ownerEmail}'s lab (read-only)`;
    const key = `${lab.status}:${lab.queuePosition ?? ''}`;
    if (key !== last) {
      last = key;
      progress.append(h('li', { dataset: { status: lab.status } }, `${time(new Date().toISOString())} — ${statusText(lab)}`));
    }
    if (lab.status === 'ready' && !built) built = workspace();
    if (!LIVE.includes(lab.status) && built) {
      built.dispose();
      built = null;
      work.hidden = true;
    }
    built?.update(lab);
  };

  const poll = async () => {
    if (stopped) return;
    try {
      show(await get(`/labs/${labId}`));
    } catch (e) {
      if (e.status === 404) {
        status.dataset.status = 'not-found';
        status.textContent = 'This lab does not exist, or it is not yours.';
        return;
      }
      status.textContent = explain(e);
    }
    // Fast while it starts, then slowly to notice an expiry or a stop.
    if (!stopped && !['stopped', 'failed'].includes(lab?.status)) pollTimer = setTimeout(poll, lab?.status === 'ready' || lab?.status === 'stopping' ? 5000 : 500);
  };

  function workspace() {
    work.hidden = false;
    const message = h('p', { hidden: true });
    const left = h('span', { id: 'time-left' });
    const extend = h('button', { type: 'button', class: 'secondary' }, 'Extend 30 min');
    // Warnings before the lab ends (10 and 2 minutes) and before an idle stop, with the way out beside them.
    const warningText = h('span', {});
    const warningExtend = h('button', { type: 'button', id: 'warning-extend' }, 'Extend 30 min');
    const warning = h('div', { id: 'time-warning', class: 'notice warning', role: 'alert', hidden: true }, warningText, ' ', warningExtend);
    const idleWarning = h('div', { id: 'idle-warning', class: 'notice warning', role: 'alert', hidden: true });
    let secondsLeft = deadline(lab.secondsLeft ?? (new Date(lab.expiresAt).getTime() - Date.now()) / 1000);
    let idleLeft = null;
    let heard = null;
    const stop = h('button', { type: 'button', class: 'danger' }, 'Stop lab');
    const confirmBox = h('span', { hidden: true }, 'Stop and delete this lab? ', h('button', { type: 'button', class: 'danger', id: 'confirm-stop' }, 'Yes, stop it'), h('button', { type: 'button', class: 'secondary' }, 'Cancel'));
    const [yes, no] = confirmBox.querySelectorAll('button');

    const extendLab = async () => {
      extend.disabled = warningExtend.disabled = true;
      try {
        show(await post(`/labs/${labId}/extend`, { seconds: 1800 }));
        notice(message, `Extended: the lab now ends at ${time(lab.expiresAt)}.`, 'ok');
      } catch (e) {
        notice(message, explain(e), 'error');
      } finally {
        extend.disabled = warningExtend.disabled = false;
      }
    };
    extend.addEventListener('click', extendLab);
    warningExtend.addEventListener('click', extendLab);
    stop.addEventListener('click', () => {
      confirmBox.hidden = false;
      stop.hidden = true;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirmBox.hidden = true;
      stop.hidden = false;
      stop.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        show(await del(`/labs/${labId}`));
      } catch (e) {
        notice(message, explain(e), 'error');
      } finally {
        yes.disabled = false;
      }
    });

    const tick = () => {
      const s = secondsLeft();
      left.textContent = duration(s);
      left.classList.toggle('warn', s < 300);
      // Follows the expiry the server last told: an extension (here, in another tab or by a teacher) re-arms it.
      const stage = readOnly ? null : expiryStage(s);
      warning.hidden = stage === null;
      warning.dataset.stage = stage ?? '';
      warning.classList.toggle('error', stage === 2);
      if (stage) warningText.textContent = `Your lab ends in ${duration(s)}: everything in it is deleted then. Save your work, or extend it.`;
      const idle = idleLeft?.();
      idleWarning.hidden = readOnly || idle === undefined;
      if (idle !== undefined) idleWarning.textContent = `No activity for a while: this lab stops in ${duration(idle)} unless you use it (type in the terminal, open a port, move a file).`;
    };
    const update = (next) => {
      if (next !== heard) {
        heard = next;
        if (next.secondsLeft !== null && next.secondsLeft !== undefined) secondsLeft = deadline(next.secondsLeft);
        const stopsIn = next.idle?.stopsInSeconds;
        idleLeft = stopsIn === null || stopsIn === undefined ? null : deadline(stopsIn);
      }
      tick();
    };
    update(lab);
    const clock = setInterval(tick, 1000);

    // One terminal per node, in tabs; each opened the first time its tab is shown.
    const nodes = lab.nodes.length ? lab.nodes.map((n) => n.name) : ['node1'];
    const terms = new Map();
    const tabs = h('div', { role: 'tablist', 'aria-label': 'Nodes', class: 'tabs', hidden: nodes.length < 2 });
    const panels = h('div', { class: 'panels' });
    const files = readOnly ? null : filesPanel(labId, nodes.length > 1);
    const select = async (node, focus = true) => {
      files?.setNode(node);
      for (const b of tabs.children) {
        const on = b.dataset.node === node;
        b.setAttribute('aria-selected', String(on));
        b.tabIndex = on ? 0 : -1;
      }
      for (const p of panels.children) p.hidden = p.dataset.node !== node;
      if (!terms.has(node)) {
        const panel = panels.querySelector(`[data-node="${node}"]`);
        const state = panel.querySelector('.term-state');
        const again = panel.querySelector('.reconnect');
        terms.set(
          node,
          openTerminal(panel.querySelector('.term'), {
            labId,
            node,
            readOnly,
            onState: (s, text) => {
              state.textContent = text;
              state.dataset.state = s;
              again.hidden = !['ended', 'failed'].includes(s);
            },
          }),
        );
        again.addEventListener('click', async () => (await terms.get(node)).reconnect());
      }
      const t = await terms.get(node).catch((e) => notice(message, `The terminal could not start: ${e.message}`, 'error'));
      t?.fit();
      if (focus && !readOnly) t?.focus();
    };
    nodes.forEach((node, i) => {
      tabs.append(
        h('button', {
          type: 'button',
          role: 'tab',
          id: `tab-${node}`,
          'aria-controls': `panel-${node}`,
          dataset: { node },
          onclick: () => select(node),
          onkeydown: (ev) => {
            const step = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
            if (step) tabs.children[(i + step + nodes.length) % nodes.length].click();
          },
        }, node),
      );
      panels.append(
        h(
          'div',
          { role: nodes.length > 1 ? 'tabpanel' : 'region', id: `panel-${node}`, 'aria-label': `Terminal of ${node}`, dataset: { node }, class: 'panel' },
          h('div', { class: 'term-bar' }, h('span', { class: 'term-state', 'aria-live': 'polite' }), h('button', { type: 'button', class: 'secondary reconnect', hidden: true }, 'Reconnect')),
          h('div', { class: 'term', dataset: { node } }),
        ),
      );
    });

    const ports = portsPanel(labId);
    const exercises = readOnly || !lab.courseId ? null : exercisesPanel(lab);
    work.append(
      h('div', { class: 'toolbar' }, h('span', {}, 'Time left: ', left), extend, stop, confirmBox),
      // Where `docker push` goes from this lab (the course registry), for the student to copy.
      ...(lab.registryNamespace ? [h('p', { id: 'registry-namespace' }, 'Your images: ', h('code', {}, `${lab.registryNamespace}/<image>:<tag>`))] : []),
      warning,
      idleWarning,
      message,
      h('div', { class: 'lab-grid' }, h('div', { class: 'lab-main' }, tabs, panels), h('div', { class: 'lab-side' }, exercises?.el, ports.el, files?.el)),
    );
    void select(nodes[0], false);

    return {
      update,
      dispose() {
        clearInterval(clock);
        ports.stop();
        for (const t of terms.values()) void t.then((x) => x.dispose()).catch(() => {});
      },
    };
  }

  if (lab) show(lab);
  void poll();
  void watchWarmup();
  return () => {
    stopped = true;
    clearTimeout(pollTimer);
    clearTimeout(warmupTimer);
    built?.dispose();
  };
}
