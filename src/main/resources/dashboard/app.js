// HappyView dashboard: plain browser JavaScript, no build step and no third-party code. Talks to the admin API with
// the API key from session storage; the jobs list is pushed by the server over SSE (/admin/backfill/events).
'use strict';

const KEY_STORAGE = 'happyview.apiKey';
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en-US');
const STAGE_NAMES = {
  discovering_repos: 'Discovering repos', resolving_pds: 'Resolving PDS hosts', fetching_records: 'Fetching records',
};

const state = {
  jobs: [],
  openJob: null,          // id of the job shown in the detail view
  cancelling: new Set(),  // jobs whose cancel was asked from this page
  events: null,           // the EventSource of the jobs feed
  tapTimer: null,
  liveTimer: null,
  tapMode: null,          // null until /admin/tap/stats answered once; false in direct mode
  recordsCursor: null,
  lexicons: [],
};

// ---------- API ----------

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.error = body && body.error;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 204) return null;
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below */ }
  if (!resp.ok) {
    if (resp.status === 401) signOut('Your API key was refused (401). Sign in again.');
    throw new ApiError(resp.status, json || { message: text.slice(0, 200) || `HTTP ${resp.status}` });
  }
  return json;
}

function showError(id, err) {
  $(id).textContent = err ? (err.status ? `${err.message} (${err.status})` : String(err.message || err)) : '';
}

// ---------- small DOM helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function badge(kind, value) {
  return el('span', { class: `badge ${kind}-${String(value).replace(/_/g, '-')}`, text: String(value).replace(/_/g, ' ') });
}

function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

function progress(done, total, label) {
  const bar = el('progress', { max: Math.max(total || 0, 1), value: Math.min(done || 0, total || 0), 'aria-label': label });
  if (!total) bar.removeAttribute('value'); // indeterminate while the total is unknown
  return bar;
}

// ---------- sign in ----------

async function signIn(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  try {
    await api('GET', '/admin/lexicons');
  } catch (e) {
    if (e.status !== 403) { // a key without lexicons:read may still see other tabs
      sessionStorage.removeItem(KEY_STORAGE);
      throw e;
    }
  }
  enterApp();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  if (state.events) state.events.close();
  state.events = null;
  clearInterval(state.tapTimer);
  clearInterval(state.liveTimer);
  state.tapMode = null;
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('live').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
  $('api-key').focus();
}

function enterApp() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  connectFeed();
  loadLexicons();
  route();
}

// ---------- tabs and routing (#backfill, #backfill/<id>, #lexicons, #records, #stream (live indexing)) ----------

function route() {
  const [tab, arg] = (location.hash.slice(1) || 'backfill').split('/');
  // The live indexing tab is #stream: #live would target the header's id="live" status and move the focus there.
  const known = ['backfill', 'lexicons', 'records', 'stream'];
  const current = known.includes(tab) ? tab : 'backfill';
  for (const name of known) {
    const selected = name === current;
    $(`tab-${name}`).setAttribute('aria-selected', String(selected));
    $(`tab-${name}`).tabIndex = selected ? 0 : -1;
    $(`panel-${name}`).hidden = !selected;
  }
  clearInterval(state.tapTimer);
  clearInterval(state.liveTimer);
  state.openJob = current === 'backfill' && arg ? arg : null;
  $('jobs-view').hidden = state.openJob !== null;
  $('job-view').hidden = state.openJob === null;
  if (current === 'backfill') {
    renderJobs();
    if (state.openJob) loadJobDetail();
    if (state.tapMode !== false) {
      loadTap();
      state.tapTimer = setInterval(loadTap, 2000);
    }
  } else if (current === 'lexicons') {
    loadLexicons();
  } else if (current === 'records') {
    loadRecords(null);
  } else if (current === 'stream') {
    loadLive();
    state.liveTimer = setInterval(loadLive, 2000);
  }
}

function onTabKey(event) {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const i = tabs.indexOf(document.activeElement);
  let next = null;
  if (event.key === 'ArrowRight') next = tabs[(i + 1) % tabs.length];
  else if (event.key === 'ArrowLeft') next = tabs[(i - 1 + tabs.length) % tabs.length];
  else if (event.key === 'Home') next = tabs[0];
  else if (event.key === 'End') next = tabs[tabs.length - 1];
  if (next) {
    event.preventDefault();
    next.focus();
    location.hash = next.dataset.tab;
  }
}

// ---------- backfill: live jobs feed ----------

async function connectFeed() {
  if (state.events) state.events.close();
  let token;
  try {
    token = (await api('POST', '/admin/backfill/events/token')).token;
  } catch (e) {
    showError('jobs-error', e);
    setLive(false, 'live updates unavailable');
    if (e.status === 503) {
      showOutage({ available: false, message: e.message });
      setTimeout(connectFeed, 5000);
    }
    return;
  }
  const source = new EventSource(`/admin/backfill/events?token=${encodeURIComponent(token)}`);
  state.events = source;
  // The server says when its database goes away and when it is back: jobs pause meanwhile, they do not fail.
  source.addEventListener('database', (event) => showOutage(JSON.parse(event.data)));
  source.addEventListener('jobs', (event) => {
    showOutage({ available: true });
    state.jobs = JSON.parse(event.data);
    setLive(true, 'live');
    showError('jobs-error', null);
    renderJobs();
    if (state.openJob) loadJobDetail();
  });
  source.onerror = () => {
    console.warn(`jobs feed interrupted (readyState ${source.readyState})`);
    setLive(false, 'reconnecting…');
    // The browser retries by itself; a closed stream (e.g. its token expired) needs a new token.
    if (source.readyState === EventSource.CLOSED && state.events === source && sessionStorage.getItem(KEY_STORAGE)) {
      setTimeout(connectFeed, 2000);
    }
  };
}

function showOutage(database) {
  const banner = $('db-outage');
  banner.hidden = database.available;
  banner.textContent = database.available ? '' : database.message;
  if (!database.available) setLive(false, 'database unavailable');
}

function setLive(on, text) {
  const live = $('live');
  live.hidden = false;
  live.textContent = text;
  live.classList.toggle('on', on);
}

function renderJobs() {
  const body = $('jobs-body');
  body.replaceChildren(...state.jobs.map((job) => {
    const status = state.cancelling.has(job.id) && job.status !== 'cancelled' && !isEnded(job) ? 'cancelling' : job.status;
    const link = el('a', { href: `#backfill/${job.id}`, text: job.id.slice(0, 8), title: job.id });
    return el('tr', { 'data-job': job.id },
      el('td', {}, link),
      el('td', { text: scope(job) }),
      el('td', {}, badge('status', status)),
      el('td', {}, badge('stage', job.stage)),
      el('td', {}, progress(job.processed_repos, job.total_repos, `repos processed of ${job.id}`),
        el('span', { class: 'num', text: ` ${fmt.format(job.processed_repos)}/${fmt.format(job.total_repos)}` })),
      el('td', { class: 'num records', text: fmt.format(job.total_records) }),
      el('td', { class: 'num', text: job.records_per_second ? `${fmt.format(Math.round(job.records_per_second))} rec/s` : '–' }),
      el('td', { class: 'num', text: duration(job.eta_seconds) }),
      el('td', { text: when(job.created_at) }));
  }));
  $('jobs-empty').hidden = state.jobs.length > 0;
}

function scope(job) {
  const what = job.collection || (job.collections && job.collections.length ? job.collections.join(', ') : 'all collections');
  if (job.dids && job.dids.length > 1) return `${what} · ${fmt.format(job.dids.length)} accounts`;
  return job.did ? `${what} · ${job.did}` : what;
}

function isEnded(job) {
  return ['completed', 'failed', 'cancelled'].includes(job.status);
}

async function createJob(event) {
  event.preventDefault();
  showError('job-error', null);
  const body = {};
  const collection = $('job-collection').value;
  const did = $('job-did').value.trim();
  const strategy = $('job-strategy').value;
  if (collection) body.collection = collection;
  if (did) body.did = did;
  if (strategy) body.strategy = strategy;
  if ($('job-prune').checked) body.prune = true;
  try {
    const created = await api('POST', '/admin/backfill', body);
    $('job-did').value = '';
    location.hash = `backfill/${created.id}`;
  } catch (e) {
    showError('job-error', e);
  }
}

// ---------- backfill: one job ----------

async function loadJobDetail() {
  const id = state.openJob;
  let job;
  try {
    job = await api('GET', `/admin/backfill/${encodeURIComponent(id)}`);
  } catch (e) {
    showError('job-detail-error', e);
    return;
  }
  if (state.openJob !== id) return;
  showError('job-detail-error', null);
  $('job-title').textContent = `Job ${job.id}`;
  const cancelling = job.status === 'cancelling' || (state.cancelling.has(job.id) && !isEnded(job));
  $('job-badges').replaceChildren(badge('status', cancelling ? 'cancelling' : job.status), badge('stage', job.stage));
  const facts = [
    ['Scope', scope(job)], ['Mode', job.mode], ['Strategy', job.strategy || 'default'],
    ['Repos', `${fmt.format(job.processed_repos)} of ${fmt.format(job.total_repos)} processed`],
    ['Failed repos', fmt.format(job.failed_repos)], ['Skipped repos', fmt.format(job.skipped_repos)],
    ['Records', fmt.format(job.total_records)],
    ['Records/s', job.records_per_second ? fmt.format(Math.round(job.records_per_second)) : '–'],
    ['ETA', duration(job.eta_seconds)], ['Started', when(job.started_at)], ['Finished', when(job.completed_at)],
  ];
  if (job.mode === 'tap') facts.push(['Handed off to Tap', fmt.format(job.handed_off_repos)]);
  if (job.error) facts.push(['Error', job.error]);
  $('job-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  $('job-stages').replaceChildren(...(job.stages || []).map((s) => el('li', { class: `stage-${s.state}` },
    el('span', { class: 'stage-name', text: STAGE_NAMES[s.stage] || s.stage }),
    badge('state', s.state),
    progress(s.done, s.total, `${s.stage} progress`),
    el('span', { class: 'num', text: s.total === null ? fmt.format(s.done) : `${fmt.format(s.done)}/${fmt.format(s.total)}` }))));
  const cancel = $('job-cancel');
  cancel.hidden = isEnded(job);
  cancel.disabled = cancelling;
  cancel.textContent = cancelling ? 'Cancelling…' : 'Cancel job';
  if (job.failed_repos + job.skipped_repos > 0) {
    const [failed, skipped] = await Promise.all([
      api('GET', `/admin/backfill/${id}/repos?status=failed&limit=100`),
      api('GET', `/admin/backfill/${id}/repos?status=skipped&limit=100`)]).catch(() => [{ repos: [] }, { repos: [] }]);
    renderRepos([...failed.repos, ...skipped.repos]);
  } else {
    renderRepos([]);
  }
}

function renderRepos(repos) {
  $('job-repos-body').replaceChildren(...repos.map((r) => el('tr', {},
    el('td', { class: 'mono', text: r.did }), el('td', {}, badge('repo', r.status)),
    el('td', { text: r.pds_endpoint || '–' }), el('td', { class: 'num', text: String(r.attempts) }),
    el('td', { text: r.last_error || '' }))));
  $('job-repos-empty').hidden = repos.length > 0;
}

async function cancelJob() {
  const id = state.openJob;
  state.cancelling.add(id);
  const button = $('job-cancel');
  button.disabled = true;
  button.textContent = 'Cancelling…';
  try {
    await api('POST', `/admin/backfill/${encodeURIComponent(id)}/cancel`);
  } catch (e) {
    state.cancelling.delete(id);
    showError('job-detail-error', e);
  }
  loadJobDetail();
}

// ---------- lexicons ----------

async function loadLexicons() {
  try {
    state.lexicons = await api('GET', '/admin/lexicons');
    showError('lexicons-error', null);
  } catch (e) {
    showError('lexicons-error', e);
    return;
  }
  $('lexicons-body').replaceChildren(...state.lexicons.map((lx) => el('tr', {},
    el('td', { class: 'mono', text: lx.id }),
    el('td', { text: lx.lexicon_type }),
    el('td', { text: lx.lexicon_type === 'record' ? (lx.backfill ? 'on' : 'off') : '–' }),
    el('td', { class: 'num', text: String(lx.revision) }),
    el('td', { text: when(lx.updated_at) }),
    el('td', {}, el('button', { type: 'button', class: 'danger small', text: 'Delete',
      'aria-label': `Delete lexicon ${lx.id}`, onclick: () => deleteLexicon(lx.id) })))));
  $('lexicons-empty').hidden = state.lexicons.length > 0;
  const records = state.lexicons.filter((lx) => lx.lexicon_type === 'record').map((lx) => lx.id);
  fillSelect($('job-collection'), records, 'All record lexicons with backfill on');
  fillSelect($('records-collection'), records, 'All collections');
}

function fillSelect(select, values, allLabel) {
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '', text: allLabel }), ...values.map((v) => el('option', { value: v, text: v })));
  if (values.includes(chosen)) select.value = chosen;
}

async function uploadLexicon(event) {
  event.preventDefault();
  showError('lexicon-error', null);
  $('lexicon-ok').textContent = '';
  let text = $('lexicon-json').value.trim();
  const file = $('lexicon-file').files[0];
  if (!text && file) text = await file.text();
  if (!text) {
    showError('lexicon-error', 'Choose a file or paste the lexicon JSON.');
    return;
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    showError('lexicon-error', `That is not valid JSON: ${e.message}`);
    return;
  }
  try {
    const up = await api('POST', '/admin/lexicons', { lexicon_json: doc, backfill: $('lexicon-backfill').checked });
    $('lexicon-ok').textContent = `Uploaded ${up.id} (revision ${up.revision}).`;
    $('lexicon-json').value = '';
    $('lexicon-file').value = '';
    loadLexicons();
  } catch (e) {
    showError('lexicon-error', e);
  }
}

async function deleteLexicon(id) {
  if (!confirm(`Delete lexicon ${id}? Its indexed records stay.`)) return;
  try {
    await api('DELETE', `/admin/lexicons/${encodeURIComponent(id)}`);
    loadLexicons();
  } catch (e) {
    showError('lexicons-error', e);
  }
}

// ---------- records ----------

async function loadRecords(cursor) {
  const params = new URLSearchParams({ limit: '25' });
  const collection = $('records-collection').value;
  const did = $('records-did').value.trim();
  if (collection) params.set('collection', collection);
  if (did) params.set('did', did);
  if (cursor) params.set('cursor', cursor);
  let page;
  try {
    page = await api('GET', `/admin/records?${params}`);
    showError('records-error', null);
  } catch (e) {
    showError('records-error', e);
    return;
  }
  state.recordsCursor = page.cursor;
  $('records-body').replaceChildren(...page.records.map((r) => el('tr', {},
    el('td', {}, el('button', { type: 'button', class: 'link mono', text: r.uri, onclick: () => showRecord(r) })),
    el('td', { class: 'mono', text: r.cid }),
    el('td', { text: r.labels.map((l) => l.val).join(', ') || '–' }),
    el('td', { text: when(r.indexed_at) }))));
  $('records-empty').hidden = page.records.length > 0;
  $('records-next').disabled = !page.cursor;
  $('record-view').hidden = true;
  api('GET', '/admin/stats').then((stats) => {
    const entry = stats.collections.find((c) => c.collection === collection);
    const total = collection ? (entry ? entry.count : 0) : stats.total_records;
    $('records-total').textContent = `${fmt.format(total)} records${collection ? ` in ${collection}` : ''} indexed.`;
  }).catch(() => { $('records-total').textContent = ''; });
}

function showRecord(r) {
  $('record-title').textContent = r.uri;
  $('record-json').textContent = JSON.stringify(r.record, null, 2);
  $('record-view').hidden = false;
  $('record-json').focus();
}

// ---------- Live ----------

/** The sum of a {kind: count} object. */
function total(byKind) {
  return Object.values(byKind || {}).reduce((a, b) => a + b, 0);
}

/** " (kind n, kind n)" for the kinds with a count, or "". */
function kinds(byKind) {
  const parts = Object.entries(byKind || {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt.format(n)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

async function loadLive() {
  try {
    const s = await api('GET', '/admin/live');
    showError('live-error', s.last_error ? { message: s.last_error } : null);
    const off = s.state === 'off';
    $('live-summary').textContent = off
      ? (s.source === 'tap' ? "Tap mode: Tap's channel carries live changes (see the Tap tab)." : 'No live source (LIVE_SOURCE=off): the index is a snapshot as of each backfill.')
      : `Source: ${s.source}, subscribed to ${s.collections.length} collection(s).`;
    $('live-state').textContent = s.state;
    $('live-url').textContent = s.url ? s.url + (s.connected_since ? ` · since ${when(s.connected_since)}` : '') + ` · ${fmt.format(s.reconnects || 0)} reconnects` : '';
    $('live-cursor').textContent = s.cursor_time ? when(s.cursor_time) : (s.cursor != null ? `seq ${fmt.format(s.cursor)}` : '–');
    $('live-lag').textContent = s.lag_ms ? `lag p50 ${fmt.format(Math.round(s.lag_ms.p50))} ms · p99 ${fmt.format(Math.round(s.lag_ms.p99))} ms` : '';
    $('live-rate').textContent = off ? '–' : `${fmt.format(Math.round(s.events_per_second || 0))}/s`;
    $('live-counts').textContent = off ? '' : `${fmt.format(s.events_applied)} applied · ${fmt.format(s.events_buffered)} buffered · ${fmt.format(s.events_refused)} refused`;
    const r = s.repos;
    $('live-repos').textContent = fmt.format(r.synchronized + r.backfilling + r.desynchronized);
    $('live-repo-states').textContent = `${fmt.format(r.synchronized)} synchronized · ${fmt.format(r.backfilling)} backfilling · ${fmt.format(r.desynchronized)} desynchronized`;
    $('live-buffered').textContent = fmt.format(s.buffered_events);
    $('live-tombstones').textContent = `${fmt.format(s.tombstones)} tombstones`;
    // The verified firehose only: what its checks refused and the resyncs its gaps started.
    const v = s.verification;
    $('live-verify-card').hidden = !v;
    $('live-resync-card').hidden = !s.resyncs;
    if (v) {
      $('live-verified').textContent = fmt.format(v.verified);
      $('live-verify-counts').textContent = [`${fmt.format(v.stale_ignored)} stale ignored`,
        `${fmt.format(total(v.rejected))} refused${kinds(v.rejected)}`, `${fmt.format(total(v.gaps_found))} gaps${kinds(v.gaps_found)}`].join(' · ');
    }
    if (s.resyncs) {
      $('live-resyncs').textContent = fmt.format(s.resyncs.started);
      $('live-resync-kinds').textContent = s.resyncs.started ? kinds(s.resyncs.by_kind).slice(2, -1) : 'none needed';
    }
    const gaps = s.recent_gaps || [];
    $('live-no-gaps').hidden = gaps.length > 0;
    $('live-gaps-wrap').hidden = gaps.length === 0;
    const body = $('live-gaps').querySelector('tbody');
    body.replaceChildren(...gaps.map((g) => {
      const tr = document.createElement('tr');
      const repair = document.createElement('td');
      if (g.job_id) {
        const a = document.createElement('a');
        a.href = `#backfill/${g.job_id}`;
        a.textContent = g.job_id.slice(0, 8);
        repair.append(a);
      } else {
        repair.textContent = '–';
      }
      tr.append(cell(when(g.detected_at)), cell(g.reason), repair);
      return tr;
    }));
  } catch (e) {
    showError('live-error', e);
  }
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

// ---------- Tap (Backfill page, Tap mode only) ----------

async function loadTap() {
  try {
    const s = await api('GET', '/admin/tap/stats');
    state.tapMode = true;
    $('tap-stats').hidden = false;
    showError('tap-error', null);
    $('tap-repos').textContent = fmt.format(s.repo_count);
    $('tap-records').textContent = fmt.format(s.record_count);
    $('tap-outbox').textContent = fmt.format(s.outbox_buffer);
    $('tap-state').textContent = s.connection_state;
    $('tap-rate').textContent = `${fmt.format(Math.round(s.events_per_second || 0))} events/s · ${fmt.format(s.events_applied)} applied`
      + (s.last_event_at ? ` · last ${when(s.last_event_at)}` : '');
  } catch (e) {
    if (e.status === 404 || e.status === 403) { // direct mode (this service fetches repos itself), or no stats:read
      state.tapMode = false;
      $('tap-stats').hidden = true;
      clearInterval(state.tapTimer);
    } else {
      $('tap-stats').hidden = false;
      showError('tap-error', e);
    }
  }
}

// ---------- wiring ----------

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('sign-in-error').textContent = '';
    try {
      await signIn($('api-key').value.trim());
      $('api-key').value = '';
    } catch (e) {
      $('sign-in-error').textContent = e.status === 401 ? 'That API key was not accepted.' : `Sign-in failed: ${e.message}`;
    }
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  $('tabs').addEventListener('keydown', onTabKey);
  for (const tab of document.querySelectorAll('[role=tab]')) {
    tab.addEventListener('click', () => { location.hash = tab.dataset.tab; });
  }
  window.addEventListener('hashchange', () => { if (!$('app').hidden) route(); });
  $('job-form').addEventListener('submit', createJob);
  $('job-cancel').addEventListener('click', cancelJob);
  $('lexicon-form').addEventListener('submit', uploadLexicon);
  $('records-form').addEventListener('submit', (e) => { e.preventDefault(); loadRecords(null); });
  $('records-first').addEventListener('click', () => loadRecords(null));
  $('records-next').addEventListener('click', () => loadRecords(state.recordsCursor));
  if (sessionStorage.getItem(KEY_STORAGE)) enterApp();
  else $('api-key').focus();
});
