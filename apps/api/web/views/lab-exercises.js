// The course's exercises beside a lab's terminal: instructions, hints, a Check button each, the result and progress.
import { get, post } from '../api.js';
import { explain, h, notice } from '../ui.js';
import { markdown } from '../markdown.js';

export function exercisesPanel(lab) {
  const summary = h('p', { id: 'exercise-progress', class: 'hint', 'aria-live': 'polite' }, 'Loading exercises…');
  const list = h('ol', { class: 'exercises' });
  const el = h('section', { class: 'card', 'aria-labelledby': 'exercises-h' }, h('h2', { id: 'exercises-h' }, 'Exercises'), summary, list);
  const done = new Set();
  let total = 0;
  const count = () => {
    summary.textContent = total ? `${done.size} of ${total} done` : 'This course has no exercise yet.';
  };

  const item = (ex) => {
    // notice() sets the class: the result is found by its data attribute.
    const result = h('p', { dataset: { result: '' }, hidden: true });
    const state = h('span', { class: 'badge' });
    const mark = () => {
      state.textContent = done.has(ex.id) ? '✓ done' : ex.progress?.attempts ? `${ex.progress.attempts} tr${ex.progress.attempts === 1 ? 'y' : 'ies'}` : '';
      state.dataset.done = String(done.has(ex.id));
    };
    const button = h('button', { type: 'button', 'aria-label': `Check: ${ex.title}` }, 'Check');
    button.addEventListener('click', async () => {
      button.disabled = true;
      notice(result, 'Checking…');
      try {
        const r = await post(`/labs/${lab.id}/exercises/${ex.id}/check`);
        ex.progress = { attempts: r.attempts, firstPassedAt: r.firstPassedAt };
        if (r.firstPassedAt) done.add(ex.id);
        notice(result, `${r.passed ? 'Passed' : r.timedOut ? 'Timed out' : 'Not yet'}: ${r.message}`, r.passed ? 'ok' : 'error');
        result.dataset.passed = String(r.passed);
      } catch (e) {
        notice(result, explain(e), 'error');
      } finally {
        button.disabled = false;
        mark();
        count();
      }
    });
    if (ex.progress?.firstPassedAt) done.add(ex.id);
    mark();
    const other = ex.template && ex.template !== lab.template ? h('p', { class: 'hint' }, `Needs a lab of the ${ex.template} template.`) : null;
    return h(
      'li',
      { dataset: { exercise: ex.key } },
      h('h3', {}, ex.title, ' ', state),
      other,
      h('div', { class: 'instructions' }, markdown(ex.instructions)),
      ex.hints.length ? h('details', {}, h('summary', {}, `Hints (${ex.hints.length})`), h('ul', {}, ex.hints.map((x) => h('li', {}, markdown(x))))) : null,
      h('div', { class: 'row' }, button),
      result,
    );
  };

  get(`/labs/${lab.id}/exercises`).then(
    (exercises) => {
      total = exercises.length;
      list.replaceChildren(...exercises.map(item));
      count();
    },
    (e) => (summary.textContent = `Exercises are not available: ${explain(e)}`),
  );
  return { el };
}
