// Admins: schools, templates, capacity and warm pools. Each part loads on its own.
import { get } from '../api.js';
import { clear, every, explain, h, table } from '../ui.js';

const td = (x) => h('td', {}, x === null || x === undefined ? '—' : String(x));

/** A school's caps on one lab, in words; those not set are the platform's. */
function capsText(c) {
  const parts = [
    c.nodes && `${c.nodes} nodes`,
    c.cpus && `${c.cpus} CPU`,
    c.memoryMb && `${c.memoryMb} MB`,
    c.pidsLimit && `${c.pidsLimit} processes`,
    c.diskMb && `${c.diskMb} MB disk`,
    c.ttlSeconds && `${Math.round(c.ttlSeconds / 60)} min`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : "platform's";
}

function section(main, title, load) {
  const body = h('div', {}, h('p', {}, 'Loading…'));
  main.append(h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), body));
  return async () => {
    try {
      clear(body, await load());
    } catch (e) {
      clear(body, h('p', { class: 'notice error' }, explain(e)));
    }
  };
}

export function adminView(main) {
  main.append(h('h1', {}, 'Administration'));
  const schools = section(main, 'Schools', async () => {
    const list = await get('/schools');
    const caps = await Promise.all(list.map((s) => get(`/schools/${s.id}/caps`).then((r) => capsText(r.caps))));
    return table(
      ['Name', 'Short name', 'Time zone', 'School sign-in', 'Caps per lab'],
      list.map((s, i) => h('tr', {}, td(s.name), td(s.slug), td(s.timezone), td(s.oidcIssuer ? 'configured' : 'no'), td(caps[i]))),
    );
  });
  const templates = section(main, 'Templates', async () => {
    const list = await get('/templates');
    return table(
      ['Name', 'Nodes', 'CPU', 'Memory (MB)', 'Lifetime (min)', 'Description'],
      list.map((t) => h('tr', {}, td(t.name), td(t.nodes), td(t.cpus), td(t.memoryMb), td(Math.round(t.ttlSeconds / 60)), td(t.notOffered ? `${t.description} (not offered here: ${t.notOffered})` : t.description))),
    );
  });
  const pools = section(main, 'Capacity and warm pools', async () => {
    const p = await get('/pools');
    const res = (r) => `${r.cpus} CPU, ${r.memoryMb} MB`;
    return [
      h('dl', { class: 'facts' }, h('dt', {}, 'Capacity'), h('dd', {}, res(p.capacity)), h('dt', {}, 'Reserved'), h('dd', {}, res(p.reserved)), h('dt', {}, 'Free'), h('dd', {}, res(p.free)), h('dt', {}, 'Waiting'), h('dd', {}, String(p.waiting))),
      table(
        ['Template', 'Min idle', 'Max', 'Target', 'Timetable', 'Idle', 'Warming', 'In use', 'Failed (24 h)'],
        p.pools.map((x) => h('tr', {}, td(x.template), td(x.minIdle), td(x.maxTotal), td(x.target), td(x.scheduled), td(x.idle), td(x.warming), td(x.claimed), td(x.failedLastDay))),
      ),
    ];
  });
  void schools();
  void templates();
  return every(10_000, pools);
}
