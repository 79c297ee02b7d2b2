// Login: email + password, or the school's own sign-in (OpenID Connect).
import { login } from '../api.js';
import { explain, h, notice } from '../ui.js';

/**
 * @param {HTMLElement} main
 * @param {{ failure?: string | null }} [options] why the last school sign-in did not log in
 */
export function loginView(main, { failure = null } = {}) {
  const message = h('p', { hidden: true });
  if (failure) notice(message, `The school sign-in did not finish: ${failure}`, 'error');
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Log in');

  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        notice(message, 'Logging in…');
        try {
          await login(email.value.trim(), password.value);
          location.hash = '#/';
        } catch (e) {
          notice(message, e.status === 401 ? 'Wrong email or password.' : explain(e), 'error');
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', {}, 'Log in'),
    h('label', { for: 'login-email' }, 'Email'),
    email,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    submit,
    message,
  );

  const slug = h('input', { id: 'school-slug', name: 'school', autocomplete: 'organization', value: new URLSearchParams(location.search).get('school') || localStorage.getItem('labfleet.school') || '', required: true, pattern: '[a-z0-9][a-z0-9-]*' });
  const school = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: (ev) => {
        ev.preventDefault();
        localStorage.setItem('labfleet.school', slug.value.trim());
        location.href = `/api/v1/auth/oidc/${encodeURIComponent(slug.value.trim())}/login?returnTo=/`;
      },
    },
    h('h2', {}, 'School sign-in'),
    h('label', { for: 'school-slug' }, "Your school's short name"),
    slug,
    h('button', { type: 'submit', class: 'secondary' }, 'Sign in with my school'),
  );

  main.append(form, school);
  email.focus();
}
