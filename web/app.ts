// The dashboard's entry point: gets the API key (URL fragment → sessionStorage → a form), reads the
// pre-computed analytics document from the API once, and renders the chosen window from it, so
// switching 7d/30d/90d needs no request; a custom range of days is one GET /v1/window. It talks
// only to this origin (the page's CSP forbids anything else) and never writes the key anywhere but
// sessionStorage.

import type { Analytics, CustomWindowAnswer, ErrorBody, WindowName } from './api-types.ts';
import { byId, replaceChildren } from './dom.ts';
import { type RenderedWindow, renderWindow } from './render-window.ts';

const KEY_STORAGE = 'tokenlake.api-key';
// The dashboard may not import values from lib/ (types only): the names are checked against lib's WindowName.
const WINDOW_NAMES = ['7d', '30d', '90d'] as const satisfies readonly WindowName[];
/** analytics.json changes once per sync (every few minutes); re-read it while the tab is visible. */
const REFRESH_MS = 5 * 60_000;
const RETRY_503_MS = 15_000;

const state: {
  key: string | null;
  analytics: Analytics | null;
  window: WindowName;
  /** The custom range shown instead of the window, when one is. */
  custom: { from: string; to: string; window: CustomWindowAnswer } | null;
  rendered: RenderedWindow | null;
  loading: boolean;
} = { key: null, analytics: null, window: '7d', custom: null, rendered: null, loading: false };

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage disabled: the key lives only in memory for this page
  }
}

function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // storage disabled: nothing to do
  }
}

/**
 * The JSON body of an answer, null when it has none. Typed by the contract the route declares; an
 * error body is read as Partial, since a gateway in front of the api (API Gateway's 502 is
 * `{"message": …}`) can answer in its own shape.
 */
async function readJson<T>(response: Response): Promise<T | null> {
  return (await response.json().catch(() => null)) as T | null;
}

/** Why the API refused, from its error body (each field's reason, else the message). */
function refusal(response: Response, body: Partial<ErrorBody> | null): string {
  return body?.details?.map((d) => d.reason).join('; ') || body?.error || response.statusText;
}

/** Fragment parameters (`#key=…&window=30d`); the fragment never reaches a server or a log. */
function fragmentParams(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

/** Rewrites the fragment without the key (so it is not left in history or a shared link). */
function writeFragment(params: URLSearchParams): void {
  params.delete('key');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

function setStatus(message: string, kind: 'info' | 'error' = 'info'): void {
  const status = byId('status');
  status.textContent = message;
  status.className = kind === 'error' ? 'status status-error' : 'status';
  status.hidden = message === '';
}

function showKeyForm(message: string): void {
  state.analytics = null;
  state.rendered?.destroy();
  state.rendered = null;
  byId('dashboard').hidden = true;
  byId('controls').hidden = true;
  setStatus('');
  const panel = byId('key-panel');
  panel.hidden = false;
  const error = byId('key-error');
  error.textContent = message;
  error.hidden = message === '';
  const input = byId<HTMLInputElement>('key-input');
  input.value = '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.focus();
}

/** Marks the pressed control: a window button, or the range's Show when a custom range is on screen. */
function markPressed(focus: boolean): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#switcher button')) {
    const pressed = !state.custom && button.dataset.window === state.window;
    button.setAttribute('aria-pressed', String(pressed));
    if (pressed && focus) button.focus();
  }
  byId('range-show').setAttribute('aria-pressed', String(state.custom !== null));
}

function selectWindow(name: WindowName, focus = false): void {
  state.window = name;
  state.custom = null;
  markPressed(focus);
  const params = fragmentParams();
  params.delete('from');
  params.delete('to');
  if (name === '7d') params.delete('window');
  else params.set('window', name);
  writeFragment(params);
  render();
}

/** Reads a window of any days (GET /v1/window) and shows it; a refused range says why. */
async function showRange(from: string, to: string): Promise<void> {
  const key = state.key;
  if (!key) return;
  byId<HTMLInputElement>('range-from').value = from;
  byId<HTMLInputElement>('range-to').value = to;
  try {
    const response = await fetch(`v1/window?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (!response.ok) {
      setStatus(`That range cannot be shown: ${refusal(response, await readJson<Partial<ErrorBody>>(response))}.`, 'error');
      return;
    }
    const answer = await readJson<CustomWindowAnswer>(response);
    if (!answer) {
      setStatus('That range cannot be shown: the answer was not JSON.', 'error');
      return;
    }
    state.custom = { from, to, window: answer };
    setStatus('');
    markPressed(false);
    const params = fragmentParams();
    params.delete('window');
    params.set('from', from);
    params.set('to', to);
    writeFragment(params);
    render();
  } catch (error) {
    setStatus(`Could not reach the API: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}

function render(): void {
  const analytics = state.analytics;
  if (!analytics) return;
  state.rendered?.destroy();
  state.rendered = renderWindow(byId('dashboard'), analytics, state.window, Date.now(), state.custom?.window);
  replaceChildren(byId('freshness'), ...state.rendered.freshness);
  const shown = state.custom ? `${state.custom.from} – ${state.custom.to}` : state.window;
  document.title = `tokenlake · ${shown} · ${state.rendered.titleCost}`;
}

/** `refresh` is the timer, `manual` the Refresh button. */
async function load(reason: 'start' | 'refresh' | 'manual' | 'retry'): Promise<void> {
  const key = state.key;
  if (!key || state.loading) return;
  state.loading = true;
  const main = byId('main');
  main.setAttribute('aria-busy', 'true');
  if (reason === 'start') setStatus('Loading analytics…');
  try {
    // `no-cache` revalidates with the ETag: an unchanged document costs a 304 and no parsing.
    const response = await fetch('v1/analytics', { headers: { authorization: `Bearer ${key}` }, cache: 'no-cache' });
    if (response.status === 401 || response.status === 403) {
      state.key = null;
      storeKey(null);
      showKeyForm(
        response.status === 401
          ? 'That key was not accepted. Check it and try again.'
          : 'That key may not read analytics (it lacks the read scope).',
      );
      return;
    }
    if (response.status === 503) {
      setStatus('No analytics yet: the first sync is probably still running. Trying again shortly…');
      window.setTimeout(() => void load('retry'), RETRY_503_MS);
      return;
    }
    if (!response.ok) {
      const body = await readJson<Partial<ErrorBody>>(response);
      setStatus(`The API answered ${response.status}: ${body?.error ?? response.statusText}`, 'error');
      return;
    }
    // GET /v1/analytics answers the document analyticsSchema checked as it was read from the store.
    const analytics = (await response.json()) as Analytics;
    // An unchanged document (the usual 304) keeps the page as it is: open tables, hover, scroll.
    if ((reason === 'refresh' || reason === 'manual') && state.analytics?.generated_at === analytics.generated_at) {
      if (reason === 'manual') setStatus('Up to date: no new data since the last update.');
      return;
    }
    state.analytics = analytics;
    byId('key-panel').hidden = true;
    byId('controls').hidden = false;
    byId('dashboard').hidden = false;
    setStatus('');
    // The range inputs start at the 30-day window, a span the reader can then move.
    const fromInput = byId<HTMLInputElement>('range-from');
    const toInput = byId<HTMLInputElement>('range-to');
    if (!fromInput.value) fromInput.value = analytics.windows['30d'].from;
    if (!toInput.value) toInput.value = analytics.as_of;
    const wanted = reason === 'start' ? fragmentParams() : null;
    if (wanted?.get('from') && wanted.get('to')) await showRange(wanted.get('from')!, wanted.get('to')!);
    else if (state.custom) await showRange(state.custom.from, state.custom.to);
    else render();
  } catch (error) {
    setStatus(`Could not reach the API: ${error instanceof Error ? error.message : String(error)}`, 'error');
  } finally {
    state.loading = false;
    main.removeAttribute('aria-busy');
  }
}

function start(): void {
  const params = fragmentParams();
  const fromFragment = params.get('key');
  const wanted = params.get('window');
  if (wanted && (WINDOW_NAMES as readonly string[]).includes(wanted)) state.window = wanted as WindowName;
  if (fromFragment) {
    storeKey(fromFragment);
    writeFragment(params);
  }
  state.key = fromFragment || readStoredKey();

  for (const button of document.querySelectorAll<HTMLButtonElement>('#switcher button')) {
    button.setAttribute('aria-pressed', String(button.dataset.window === state.window));
    button.addEventListener('click', () => selectWindow(button.dataset.window as WindowName));
  }
  // Arrow keys move between the three buttons, like a toolbar; Tab and Enter/Space work as for any button.
  byId('switcher').addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const i = WINDOW_NAMES.indexOf(state.window);
    const next = WINDOW_NAMES[(i + (event.key === 'ArrowRight' ? 1 : WINDOW_NAMES.length - 1)) % WINDOW_NAMES.length]!;
    event.preventDefault();
    selectWindow(next, true);
  });
  byId<HTMLFormElement>('range').addEventListener('submit', (event) => {
    event.preventDefault();
    const from = byId<HTMLInputElement>('range-from').value;
    const to = byId<HTMLInputElement>('range-to').value;
    if (!from || !to) {
      setStatus('Choose a first and a last day.', 'error');
      return;
    }
    void showRange(from, to);
  });
  byId('refresh').addEventListener('click', () => void load('manual'));
  byId('forget').addEventListener('click', () => {
    state.key = null;
    storeKey(null);
    showKeyForm('');
  });
  byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = byId<HTMLInputElement>('key-input').value.trim();
    if (!key) {
      showKeyForm('Enter an API key.');
      return;
    }
    state.key = key;
    storeKey(key);
    byId('key-panel').hidden = true;
    void load('start');
  });
  window.setInterval(() => {
    if (document.visibilityState === 'visible' && state.analytics) void load('refresh');
  }, REFRESH_MS);

  if (state.key) void load('start');
  else showKeyForm('');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
