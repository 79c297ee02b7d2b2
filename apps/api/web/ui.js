// Small DOM helpers. Text from the server always goes in as text (never as HTML).

/** h('button', {type: 'button', onclick}, 'Stop') → element. Attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const clear = (el, ...children) => {
  el.replaceChildren(...children.flat().filter(Boolean));
  return el;
};

export const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** "14:30" today, else "Monday 08:00". */
export function when(iso) {
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? time(iso) : d.toLocaleString([], { weekday: 'long', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** 3725 → "1 h 02 min", 125 → "2 min 05 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const [hh, mm, ss] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n) => String(n).padStart(2, '0');
  return hh ? `${hh} h ${two(mm)} min` : `${mm} min ${two(ss)} s`;
}

/** The expiry warnings: 10 when 10 minutes or less are left, 2 at 2 minutes or less, else null. */
export function expiryStage(secondsLeft) {
  if (secondsLeft <= 120) return 2;
  return secondsLeft <= 600 ? 10 : null;
}

/**
 * A moment the server told as "in n seconds", counted on this page's monotonic clock: a computer
 * whose clock is off still shows the server's time left.
 */
export function deadline(seconds) {
  const at = performance.now() + seconds * 1000;
  return () => (at - performance.now()) / 1000;
}

/** A human sentence for an error; quota refusals (409/429) say when to try again. */
export function explain(e) {
  if (!e || typeof e.status !== 'number') return `Could not reach Labfleet (${e?.message || e}). Check your connection and try again.`;
  let text = e.message.charAt(0).toUpperCase() + e.message.slice(1);
  if (!/[.!?]$/.test(text)) text += '.';
  if (e.status === 409 || e.status === 429) {
    if (e.body.retryAt) text += ` You can try again: ${when(e.body.retryAt)}.`;
    else if (e.retryAfter) text += ` You can try again in ${duration(e.retryAfter)}.`;
  }
  if (e.status >= 500) text = `Labfleet had a problem (${e.message}). Try again in a moment.`;
  return text;
}

/** A message box; kind "error" is announced at once (role=alert), others politely. */
export function notice(el, text, kind = 'info') {
  el.className = `notice ${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.textContent = text;
  el.hidden = !text;
}

/** Runs `fn` now and then `ms` after each run ends, until the returned stop() is called. */
export function every(ms, fn) {
  let stopped = false;
  let handle = 0;
  const tick = async () => {
    if (stopped) return;
    try {
      await fn();
    } catch (e) {
      console.warn(e);
    } finally {
      if (!stopped) handle = setTimeout(tick, ms);
    }
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(handle);
  };
}

export function table(headers, rows, caption) {
  return h(
    'table',
    {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows),
  );
}

/** A lab's status in words: "Pending — number 2 in line", "Failed: <reason>"… */
export function statusText(lab) {
  switch (lab.status) {
    case 'pending':
      if (lab.queuePosition) return `Pending — waiting for room, number ${lab.queuePosition} in line`;
      return lab.waitReason ? `Pending — waiting for a cluster node with room (${lab.waitReason})` : 'Pending — about to start';
    case 'provisioning':
      return 'Provisioning — preparing your lab';
    case 'ready':
      return 'Ready';
    case 'failed':
      return `Failed: ${lab.failureReason || 'unknown reason'}`;
    case 'stopping':
      return 'Stopping';
    case 'stopped':
      return 'Stopped';
    default:
      return lab.status;
  }
}
