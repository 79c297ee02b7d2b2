// Student home: my running labs, and starting a new one in one of my courses.
import { get, post } from '../api.js';
import { clear, every, explain, h, notice, statusText, table } from '../ui.js';
import { lastCreated } from './lab.js';

export async function homeView(main, { me }) {
  const [courses, templates] = await Promise.all([get('/courses'), get('/templates')]);
  const mine = courses.filter((c) => me.enrolled.includes(c.id) || me.teaching.includes(c.id));
  const courseName = (id) => courses.find((c) => c.id === id)?.name ?? '—';

  // --- my labs
  const labsBox = h('div', {}, h('p', {}, 'Loading…'));
  const showLabs = async () => {
    if (!me.id) return clear(labsBox, h('p', {}, 'The bootstrap admin has no labs of its own.'));
    const page = await get(`/labs?owner=${me.id}&status=pending,provisioning,ready&limit=100`);
    if (!page.items.length) return clear(labsBox, h('p', {}, 'No lab running. Start one below.'));
    const rows = page.items.map((lab) =>
      h('tr', {}, h('td', {}, lab.template), h('td', {}, courseName(lab.courseId)), h('td', { dataset: { status: lab.status } }, statusText(lab)), h('td', {}, h('a', { href: `#/lab/${lab.id}` }, 'Open'))),
    );
    clear(labsBox, table(['Template', 'Course', 'Status', ''], rows));
  };

  // --- start a lab
  const message = h('p', { hidden: true });
  const courseSel = h('select', { id: 'start-course', name: 'course', required: true }, mine.map((c) => h('option', { value: c.id }, c.name)));
  if (me.role === 'platform-admin') courseSel.prepend(h('option', { value: '' }, 'Default course'));
  const templateSel = h('select', { id: 'start-template', name: 'template', required: true });
  const about = h('p', { class: 'hint', id: 'template-about' });
  const fillTemplates = () => {
    const allowed = courses.find((c) => c.id === courseSel.value)?.allowedTemplates;
    // A template this installation's backend cannot make (`notOffered`) would only be refused.
    const list = templates.filter((t) => !t.notOffered && (t.scope !== 'course' || t.courseId === courseSel.value) && (!allowed || allowed.includes(t.name)));
    clear(templateSel, list.map((t) => h('option', { value: t.name }, `${t.name} (${t.nodes} node${t.nodes > 1 ? 's' : ''})`)));
    describe();
  };
  const describe = () => {
    const t = templates.find((x) => x.name === templateSel.value);
    about.textContent = t ? `${t.description} — ${t.cpus} CPU, ${t.memoryMb} MB, ${Math.round(t.ttlSeconds / 60)} min.` : '';
  };
  courseSel.addEventListener('change', fillTemplates);
  templateSel.addEventListener('change', describe);
  fillTemplates();

  const start = h('button', { type: 'submit' }, 'Start lab');
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (ev) => {
        ev.preventDefault();
        start.disabled = true;
        notice(message, 'Asking for a lab…');
        try {
          const lab = await post('/labs', { template: templateSel.value, ...(courseSel.value ? { course: courseSel.value } : {}) });
          lastCreated.set(lab.id, lab);
          location.hash = `#/lab/${lab.id}`;
        } catch (e) {
          notice(message, explain(e), 'error');
        } finally {
          start.disabled = false;
        }
      },
    },
    h('h2', {}, 'Start a lab'),
    mine.length || me.role === 'platform-admin'
      ? [h('label', { for: 'start-course' }, 'Course'), courseSel, h('label', { for: 'start-template' }, 'Template'), templateSel, about, start]
      : h('p', {}, 'You are not in any course yet. Ask your teacher to add you.'),
    message,
  );

  main.append(
    h('h1', {}, 'My labs'),
    h('section', { class: 'card', 'aria-labelledby': 'running-h' }, h('h2', { id: 'running-h' }, 'Running'), labsBox),
    form,
    h('section', { class: 'card' }, h('h2', {}, 'My courses'), mine.length ? h('ul', {}, mine.map((c) => h('li', {}, c.name))) : h('p', {}, 'None.')),
  );
  return every(5000, showLabs);
}
