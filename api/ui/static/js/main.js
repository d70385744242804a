// Starts the dashboard: signs in when the API asks for a token, then routes #/jobs, #/jobs/<id> and
// #/cluster to their views. Every view gets a container and returns a function that unmounts it.
import { getJson, Unauthorized, whenUnauthorized } from './api.js';
import { clearToken, getToken, setToken } from './auth.js';
import { mountCluster } from './cluster-view.js';
import { h, replace } from './dom.js';
import { mountJob } from './job-view.js';
import { mountJobs } from './jobs-view.js';
import { on, setQueues, startLive, stopLive } from './live.js';

const view = document.getElementById('view');
const liveBadge = document.getElementById('live');
const signOut = document.getElementById('sign-out');
let unmount = () => {};
let signedIn = false;

/** ?interval=<ms> samples faster (the browser test uses it); at least 500 ms, default 3 s. */
function sampleInterval() {
  const asked = Number(new URLSearchParams(location.search).get('interval'));
  return Number.isFinite(asked) && asked >= 500 ? asked : 3000;
}

function route() {
  unmount();
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === parts[0]);
  }
  if (parts[0] === 'jobs' && parts[1]) unmount = mountJob(view, decodeURIComponent(parts[1]));
  else if (parts[0] === 'cluster') unmount = mountCluster(view);
  else unmount = mountJobs(view, params);
}

function showSignIn(problem) {
  unmount();
  unmount = () => {};
  signedIn = false;
  stopLive();
  signOut.hidden = true;
  const token = h('input', {
    id: 'token',
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    placeholder: 'gpubatch API token',
  });
  const remember = h('input', { id: 'remember', type: 'checkbox' });
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, problem ?? '');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        setToken(token.value.trim(), remember.checked);
        await start();
      },
    },
    h('label', { class: 'field', for: 'token' }, 'API token', token),
    h('label', { class: 'field check', for: 'remember' }, remember, 'Keep me signed in on this device'),
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    error,
  );
  replace(
    view,
    h(
      'section',
      { class: 'login card' },
      h('div', { class: 'card-header' }, h('h2', {}, 'Sign in to gpubatch')),
      h(
        'div',
        { class: 'card-body' },
        h(
          'p',
          { class: 'subtle' },
          'The API needs a token. It stays in this browser and is sent only to this server.',
        ),
        form,
      ),
    ),
  );
  token.focus();
}

/** Checks the API answers with the token held (or without one when auth is off), then shows the views. */
async function start() {
  try {
    setQueues((await getJson('/v1/queues')).queues);
  } catch (error) {
    if (error instanceof Unauthorized) {
      const had = getToken() !== undefined;
      clearToken();
      showSignIn(had ? 'That token was not accepted.' : undefined);
      return;
    }
    replace(view, h('p', { class: 'message error' }, `The API did not answer: ${error.message}`));
    return;
  }
  signedIn = true;
  signOut.hidden = getToken() === undefined;
  route();
  startLive(sampleInterval());
}

whenUnauthorized(() => {
  if (signedIn) showSignIn('Your token is no longer accepted; sign in again.');
});
on('state', (state) => {
  liveBadge.dataset.state = state;
  liveBadge.title = { on: 'Live updates on', retrying: 'Reconnecting…', off: 'Live updates off' }[state];
});
signOut.addEventListener('click', () => {
  clearToken();
  showSignIn();
});
window.addEventListener('hashchange', () => {
  if (signedIn) route();
});
start();
