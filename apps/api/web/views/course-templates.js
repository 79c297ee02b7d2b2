// A course's own templates on the teacher's page: list, make one (images served by the mirror), retire.
import { get, post } from '../api.js';
import { clear, explain, h, notice, table } from '../ui.js';

const field = (id, label, attrs) => [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];

/** The "Templates" part of a course's card. */
export function courseTemplates(course) {
  const list = h('div', {}, h('p', {}, 'Loading…'));
  const message = h('p', { hidden: true });
  const show = async () => {
    try {
      const mine = (await get('/templates')).filter((t) => t.scope === 'course' && t.courseId === course.id);
      const rows = mine.map((t) =>
        h('tr', { dataset: { template: t.id } }, h('td', {}, t.name), h('td', {}, String(t.version)), h('td', {}, t.images.join(', ') || '—'), h('td', {}, h('button', {
          type: 'button',
          class: 'danger',
          'aria-label': `Retire template ${t.name}`,
          onclick: async () => {
            try {
              await post(`/templates/${t.id}/retire`);
              notice(message, `Template ${t.name} retired: no new labs; running ones go on.`);
              await show();
            } catch (e) {
              notice(message, explain(e), 'error');
            }
          },
        }, 'Retire'))),
      );
      clear(list, rows.length ? table(['Name', 'Version', 'Images', ''], rows) : h('p', {}, 'No template of this course yet.'));
    } catch (e) {
      notice(message, explain(e), 'error');
    }
  };
  const id = (name) => `tpl-${name}-${course.id}`;
  const form = h(
    'form',
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (ev.target));
        const text = (name) => String(data.get(id(name)) ?? '').trim();
        try {
          const t = await post('/templates', {
            scope: 'course',
            courseId: course.id,
            name: text('name'),
            description: text('description'),
            images: text('images').split(/[\s,]+/).filter(Boolean),
            nodes: Number(text('nodes')),
            memoryMb: Number(text('memory')),
            ttlSeconds: Number(text('minutes')) * 60,
          });
          notice(message, `Template ${t.name} made; its images are being put in the mirror.`);
          /** @type {HTMLFormElement} */ (ev.target).reset();
          await show();
        } catch (e) {
          notice(message, explain(e), 'error');
        }
      },
    },
    ...field(id('name'), 'Name', { required: true, pattern: '[a-z0-9][a-z0-9\\-]{0,62}' }),
    ...field(id('description'), 'Description', {}),
    ...field(id('images'), 'Images (e.g. mariadb, wordpress)', {}),
    ...field(id('nodes'), 'Nodes', { type: 'number', min: '1', value: '1', required: true }),
    ...field(id('memory'), 'Memory per node (MB)', { type: 'number', min: '128', value: '2048', required: true }),
    ...field(id('minutes'), 'Lifetime (min)', { type: 'number', min: '1', value: '120', required: true }),
    h('button', { type: 'submit' }, 'Make template'),
  );
  void show();
  return h('section', { 'aria-label': `Templates of ${course.name}` }, h('h3', {}, 'Templates'), message, list, h('details', {}, h('summary', {}, 'New template'), form));
}
