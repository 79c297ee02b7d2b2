// Teacher: one grid per course taught — each student's labs, minutes this week, watch and stop — and their exercises' progress.
import { api, del, get } from '../api.js';
import { clear, every, explain, h, statusText, table } from '../ui.js';
import { courseTemplates } from './course-templates.js';

export async function teachView(main, { me }) {
  const courses = (await get('/courses')).filter((c) => me.teaching.includes(c.id) || me.role.endsWith('admin'));
  main.append(h('h1', {}, 'My courses'));
  if (!courses.length) main.append(h('p', {}, 'You teach no course yet.'));
  const stops = courses.map((course) => {
    const body = h('div', {}, h('p', {}, 'Loading…'));
    const message = h('p', { role: 'alert', class: 'notice error', hidden: true });
    main.append(h('section', { class: 'card', dataset: { course: course.id }, 'aria-label': course.name }, h('h2', {}, course.name), message, body, courseTemplates(course)));
    return every(5000, () => grid(course, body, message));
  });
  return () => stops.forEach((s) => s());
}

async function grid(course, body, message) {
  let members, page, usage, progress;
  try {
    [members, page, usage, progress] = await Promise.all([
      get(`/courses/${course.id}/members`),
      get(`/labs?course=${course.id}&status=pending,provisioning,ready&limit=100`),
      get(`/courses/${course.id}/usage`),
      get(`/courses/${course.id}/progress`),
    ]);
    message.hidden = true;
  } catch (e) {
    message.textContent = explain(e);
    message.hidden = false;
    return;
  }
  // Re-draw only on a change, so keyboard focus is not lost every 5 s.
  const key = JSON.stringify([members, page.items.map((l) => [l.id, l.status, l.queuePosition]), usage.people, progress]);
  if (body.dataset.key === key) return;
  body.dataset.key = key;
  const minutes = new Map(usage.people.map((p) => [p.userId, p.minutes]));
  const students = members.filter((m) => m.role === 'student');
  const rows = students.map((m) => {
    const labs = page.items.filter((l) => l.ownerId === m.userId);
    const labCell = labs.length
      ? labs.map((lab) =>
          h(
            'div',
            { class: 'lab-line', dataset: { lab: lab.id, status: lab.status } },
            h('span', {}, `${lab.template}: ${statusText(lab)} `),
            lab.status === 'ready' ? h('a', { class: 'button secondary', href: `#/watch/${lab.id}`, 'aria-label': `Watch terminal of ${m.name}` }, 'Watch terminal') : null,
            h('button', {
              type: 'button',
              class: 'danger',
              'aria-label': `Stop the lab of ${m.name}`,
              onclick: async (ev) => {
                ev.target.disabled = true;
                try {
                  await del(`/labs/${lab.id}`);
                  body.dataset.key = '';
                  await grid(course, body, message);
                } catch (e) {
                  message.textContent = explain(e);
                  message.hidden = false;
                  ev.target.disabled = false;
                }
              },
            }, 'Stop'),
          ),
        )
      : '—';
    return h('tr', { dataset: { student: m.userId } }, h('th', { scope: 'row' }, m.name, h('br'), h('span', { class: 'hint' }, m.email)), h('td', {}, labCell), h('td', { class: 'num' }, String(minutes.get(m.userId) ?? 0)));
  });
  const running = page.items.length;
  clear(
    body,
    h('p', {}, `${students.length} student${students.length === 1 ? '' : 's'}, ${running} lab${running === 1 ? '' : 's'} running.`),
    students.length ? table(['Student', 'Lab', 'Minutes this week'], rows) : h('p', {}, 'No student in this course yet.'),
    progress.exercises.length ? progressGrid(course, progress, message) : null,
  );
}

/** Each student's exercises: ✓ done, n tries, or – (not started); and the CSV download. */
function progressGrid(course, progress, message) {
  const cell = (c) => (c.state === 'done' ? '✓' : c.state === 'tried' ? `${c.attempts} tr${c.attempts === 1 ? 'y' : 'ies'}` : '–');
  const rows = progress.students.map((s) =>
    h('tr', { dataset: { student: s.userId } }, h('th', { scope: 'row' }, s.name), h('td', {}, `${s.done}/${progress.exercises.length}`), s.cells.map((c) => h('td', { dataset: { state: c.state } }, cell(c)))),
  );
  const csv = h('button', {
    type: 'button',
    class: 'secondary',
    onclick: async () => {
      try {
        const res = await api('GET', `/courses/${course.id}/progress?format=csv`, { raw: true });
        const url = URL.createObjectURL(await res.blob());
        const a = h('a', { href: url, download: `progress-${course.name}.csv`, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } catch (e) {
        message.textContent = explain(e);
        message.hidden = false;
      }
    },
  }, 'Download progress (CSV)');
  const grid = table(['Student', 'Done', ...progress.exercises.map((e, i) => `${i + 1}. ${e.title}`)], rows, 'Exercises');
  grid.classList.add('progress-grid');
  return h('div', { class: 'progress-block' }, grid, csv);
}
