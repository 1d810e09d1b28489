// Facility hub dashboard: the login form, the session, the live socket, and the site page (the site tree
// with live point values, devices and links). The other views (dashboard/src/views) hear the session and the
// live events through `hubEvents` and call the API with `api`. All text from the API goes through
// textContent or attributes.

import { lang, onLang } from '../i18n.js';
import { t } from './text.js';

const API = '/api/v1';
const DEVICE_POLL_MS = 10_000;
const RETRY_MS = 5_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// ── Labels ──────────────────────────────────────────────────────────────────

// Every word on the site page comes from the dictionary in text.ts, in the language chosen in the top bar
// (i18n.ts). Static HTML names its key in data-i18n (see translateStatic); what this module writes is
// written again when the language changes (relabel).

/** The dictionary's text for `${prefix}.${value}`, or the value itself when there is none. */
function known(prefix, value) {
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value) : text;
}

const qualityText = (q) => known('quality', q);
const deviceStateText = (s) => known('device', s);
const linkStateText = (s) => known('link', s);
const connText = (s) => known('conn', s);
const roleText = (r) => known('role', r);
/** Why the hub ended a session (`session-ended` reasons), as the login form explains it. */
const sessionEndText = (reason) => known('ended', reason);
const statText = (k) => known('stat', k);

/** Asset kind → its category (the category colours the chip); the label is `asset.<kind>`. */
const ASSET_CATEGORY = {
  'env-sensor': 'env',
  gate: 'access',
  'electricity-meter': 'energy',
  'water-meter': 'energy',
  'gas-meter': 'energy',
  chiller: 'hvac',
  ahu: 'hvac',
  pump: 'hvac',
  elevator: 'other',
};

const UNITS = { degC: '°C', degF: '°F', m3: 'm³', 'm3/h': 'm³/h', m2: 'm²', Nm3: 'Nm³', 'Nm3/h': 'Nm³/h' };

// ── State ───────────────────────────────────────────────────────────────────

/**
 * points: pointId → { def, assetId, row, valueEl, numEl, unitEl, badge, value, quality, ts, reason }
 * assets: assetId → { card, timeEl, ts }
 * devices: deviceId → { data, row, ... }
 */
const state = {
  points: new Map(),
  assets: new Map(),
  devices: new Map(),
  links: new Map(),
  /** Device chips on asset cards, by device id. */
  deviceChips: new Map(),
  socket: undefined,
  summaryQueued: false,
  pollTimer: undefined,
  refreshTimer: undefined,
  /** Device and link events received so far. */
  eventSeq: 0,
  /** What the page shows, kept to show it again in another language. */
  site: undefined, // { site, counts } of GET /site
  pipeline: undefined, // GET /devices' pipeline counters
  devicesLoaded: false,
  conn: undefined,
  lastUpdate: undefined,
  /**
   * Bumped whenever a session ends or starts: an answer or timer from an earlier session compares its epoch
   * and drops itself, so nothing of the previous user's data lands on the page after a logout.
   */
  epoch: 0,
};

/** The logged-in session (GET /auth/session): { user, permissions, csrfToken, expiresAt }, or null. */
let session = null;

/**
 * What the other views hear: `session` (detail: the session, or null when it ended), and the live socket's
 * `alert`, `ticket`, `gate`, `pass`, `values`, `device` and `conn` events (detail: the event's payload).
 */
export const hubEvents = new EventTarget();
const emitLive = (type, detail) => hubEvents.dispatchEvent(new CustomEvent(type, { detail }));

/** The current session (`{ user, permissions, csrfToken }`) or null. */
export const currentSession = () => session;

const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;
const $ = (id) => document.getElementById(id);

// ── DOM helpers ─────────────────────────────────────────────────────────────

/** Create an element. attrs: class, title, data-*, aria-*, …; children: nodes or strings (as text). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs)
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/**
 * An element whose text is the dictionary's `key` (with `params`): marked with data-i18n, so that it is
 * translated again when the language changes.
 */
function tx(tag, key, params, attrs = {}) {
  return h(
    tag,
    { ...attrs, 'data-i18n': key, 'data-i18n-args': params ? JSON.stringify(params) : undefined },
    t(key, params),
  );
}

const I18N_ATTRS = ['title', 'aria-label'];

/** `${prefix}.${value}` from the dictionary, marked for translation, or the value as it is when unknown. */
function textOrKey(tag, prefix, value, attrs) {
  const key = `${prefix}.${value}`;
  return t(key) === key ? h(tag, attrs, String(value)) : tx(tag, key, undefined, attrs);
}

/** Fill the text and attributes of every element marked with data-i18n, data-i18n-title, data-i18n-aria-label. */
function translateStatic(root = document) {
  const params = (el) => (el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined);
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n, params(el));
  for (const attr of I18N_ATTRS)
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`))
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`), params(el)));
}

/** Briefly highlight an element that just changed. */
function flash(el, strength = 0.55) {
  if (reduceMotion || !el.animate) return;
  el.animate(
    [{ backgroundColor: `rgba(255, 199, 0, ${strength})` }, { backgroundColor: 'rgba(255, 199, 0, 0)' }],
    { duration: 1400, easing: 'ease-out' },
  );
}

// ── Formatting ──────────────────────────────────────────────────────────────

// In the chosen language, on a 24-hour clock, in the site's time zone once the site is loaded (the
// browser's before); made again when either changes.
let siteTimeZone;
let numberFormat;
let timeFormat;
let dateTimeFormat;
makeFormats();

function makeFormats() {
  numberFormat = new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 });
  timeFormat = makeDateFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  dateTimeFormat = makeDateFormat({
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

function makeDateFormat(opts) {
  try {
    return new Intl.DateTimeFormat(lang(), { ...opts, timeZone: siteTimeZone });
  } catch {
    return new Intl.DateTimeFormat(lang(), opts);
  }
}

/** Time of day for recent timestamps, the full date for older ones. */
function formatTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return Math.abs(Date.now() - ms) < 20 * 3600_000 ? timeFormat.format(d) : dateTimeFormat.format(d);
}

function formatFull(ms) {
  return typeof ms === 'number' && Number.isFinite(ms) ? dateTimeFormat.format(new Date(ms)) : '—';
}

function formatUnit(unit) {
  if (!unit) return '';
  return UNITS[unit] ?? unit;
}

function formatValue(value) {
  if (typeof value === 'boolean') return value ? t('on') : t('off');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const rounded = Math.round(value * 100) / 100;
    return numberFormat.format(Object.is(rounded, -0) ? 0 : rounded);
  }
  return String(value);
}

// ── Data ────────────────────────────────────────────────────────────────────

/** An error answer from the API, with the problem+json fields the hub sends. */
class ApiError extends Error {
  constructor(path, status, problem, retryAfter) {
    super(`${path}: HTTP ${status}${problem?.detail ? ` ${problem.detail}` : ''}`);
    this.status = status;
    this.title = problem?.title;
    this.detail = problem?.detail;
    this.problem = problem;
    /** Seconds, from the Retry-After header. */
    this.retryAfter = retryAfter;
  }
}

/** Thrown for a 401 after the login form has been brought back: callers just stop. */
class SessionEnded extends Error {}

/**
 * Every API call goes through here: JSON in and out, the CSRF token on unsafe methods, and a 401 means the
 * session is over (expired, logged out elsewhere, user disabled): back to the login form rather than an
 * error and a retry loop. `anonymous` calls (login, the session check at start) get a 401 as an ApiError.
 */
export async function api(path, { method = 'GET', body, raw, anonymous = false } = {}) {
  const epoch = state.epoch;
  const headers = { accept: 'application/json' };
  // `raw`: { data: Blob, type } sent as it is (a photo); `body`: JSON
  if (raw) headers['content-type'] = raw.type;
  else if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE_METHODS.has(method) && session?.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  const res = await fetch(API + path, {
    method,
    headers,
    body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 401 && !anonymous) {
    // An answer to a request of an earlier session must not end the one that replaced it.
    if (epoch === state.epoch) sessionEnded('expired');
    throw new SessionEnded(`${path}: HTTP 401`);
  }
  if (!res.ok) {
    let problem;
    try {
      problem = await res.json();
    } catch {
      problem = undefined;
    }
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new ApiError(path, res.status, problem, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  return res.status === 204 ? undefined : res.json();
}

function showBanner(text) {
  setMessage($('banner'), text);
}

// ── Site tree ───────────────────────────────────────────────────────────────

function renderSite(siteInfo, assets) {
  const { site, zones, counts } = siteInfo;
  siteTimeZone = site.timezone;
  makeFormats();
  state.site = { site, counts };
  renderSiteName();
  $('site-meta').textContent = [site.id, site.timezone].filter(Boolean).join(' · ');

  const assetById = new Map(assets.map((a) => [a.id, a]));
  const placed = new Set();
  const tree = $('tree');
  tree.replaceChildren();
  state.points.clear();
  state.assets.clear();
  state.deviceChips.clear();

  for (const zone of zones) tree.append(renderZone(zone, 0, assetById, placed));

  // Assets whose zone is not in the tree still get shown.
  const orphans = assets.filter((a) => !placed.has(a.id));
  if (orphans.length)
    tree.append(
      renderZone(
        { id: '', name: '', kind: '', children: [], assets: orphans.map((a) => a.id) },
        0,
        assetById,
        placed,
      ),
    );
  if (!tree.childElementCount)
    tree.append(tx('p', 'noAssetsConfigured', undefined, { class: 'placeholder' }));
  tree.removeAttribute('aria-busy');
  queueSummary();
}

/** The site's name in the top bar and the page title, with its counts; the app's name without a site. */
function renderSiteName() {
  const site = state.site?.site;
  const name = site ? site.name || site.id : '';
  $('site-name').textContent = name || t('appTitle');
  document.title = name ? t('pageTitle', { site: name }) : t('appTitle');
  const counts = state.site?.counts;
  $('site-counts').textContent = counts
    ? t('siteCounts', { zones: counts.zones, assets: counts.assets, points: counts.points })
    : '';
}

function countAssets(zone) {
  let n = zone.assets?.length ?? 0;
  for (const c of zone.children ?? []) n += countAssets(c);
  return n;
}

function renderZone(zone, depth, assetById, placed) {
  const total = countAssets(zone);
  const summary = h(
    'summary',
    { class: 'zone-head' },
    zone.name || zone.id
      ? h('span', { class: 'zone-name' }, zone.name || zone.id)
      : tx('span', 'otherZone', undefined, { class: 'zone-name' }),
    zone.kind ? textOrKey('span', 'zone', zone.kind, { class: 'chip chip-zone' }) : null,
    tx('span', 'zoneAssets', { n: total }, { class: 'zone-count muted' }),
  );
  const children = zone.children ?? [];
  const details = h(
    'details',
    {
      class: 'zone',
      open: true,
      'data-zone-id': zone.id,
      'data-depth': depth,
      'data-nested': children.length > 0,
    },
    summary,
  );
  // Small leaf zones (a floor with one sensor) sit side by side; the width they ask for grows with assets.
  details.style.setProperty('--cards', String(Math.max(1, zone.assets?.length ?? 0)));

  const own = (zone.assets ?? []).map((id) => assetById.get(id)).filter(Boolean);
  if (own.length) {
    const grid = h('div', { class: 'asset-grid' });
    for (const a of own) {
      placed.add(a.id);
      grid.append(renderAsset(a));
    }
    details.append(grid);
  }
  if (children.length) {
    const nested = h('div', { class: 'zone-children' });
    for (const c of children) nested.append(renderZone(c, depth + 1, assetById, placed));
    details.append(nested);
  }
  if (!own.length && !children.length)
    details.append(tx('p', 'noAssets', undefined, { class: 'placeholder' }));
  return details;
}

function renderAsset(asset) {
  const category = ASSET_CATEGORY[asset.kind] ?? 'other';
  const deviceChip = asset.deviceId
    ? h(
        'span',
        {
          class: 'chip chip-device',
          'data-device-ref': asset.deviceId,
          'data-state': 'unknown',
          title: chipTitle(asset.deviceId),
        },
        h('span', { class: 'state-dot', 'aria-hidden': 'true' }),
        asset.deviceId,
      )
    : tx('span', 'noDevice', undefined, {
        class: 'chip chip-nodevice',
        title: t('noDeviceTip'),
        'data-i18n-title': 'noDeviceTip',
      });
  if (asset.deviceId) addChip(asset.deviceId, deviceChip);

  const list = h('ul', { class: 'points' });
  for (const p of asset.points ?? []) list.append(renderPoint(p, asset.id));

  const timeEl = h('time', { class: 'asset-updated' }, '—');
  const card = h(
    'article',
    {
      class: 'asset',
      'data-asset-id': asset.id,
      'data-category': category,
      // nothing on this asset is connected yet: the card steps back
      'data-awaiting': (asset.points ?? []).every((p) => !p.deviceId),
    },
    h(
      'header',
      { class: 'asset-head' },
      h(
        'h3',
        { class: 'asset-name', title: asset.id },
        // the asset's page (dashboard/src/views/asset.tsx)
        h('a', { href: `#/assets/${encodeURIComponent(asset.id)}` }, asset.name || asset.id),
      ),
      h(
        'div',
        { class: 'asset-tags' },
        textOrKey('span', 'asset', asset.kind, { class: `chip chip-kind cat-${category}` }),
        deviceChip,
      ),
    ),
    list,
    h(
      'footer',
      { class: 'asset-foot muted' },
      h('span', null, asset.model ?? asset.id),
      h('span', null, tx('span', 'updated'), ' ', timeEl),
    ),
  );
  state.assets.set(asset.id, { card, timeEl, ts: null });
  for (const p of asset.points ?? []) if (p.latest) applyValue(p.latest, false);
  return card;
}

function addChip(deviceId, chip) {
  const chips = state.deviceChips.get(deviceId) ?? [];
  chips.push(chip);
  state.deviceChips.set(deviceId, chips);
  const known = state.devices.get(deviceId);
  if (known) chip.dataset.state = known.data.state;
}

function renderPoint(p, assetId) {
  const numEl = h('span', { class: 'num' });
  const unitEl = h('span', { class: 'unit' });
  const valueEl = h(
    'span',
    { class: 'value', 'data-point-id': p.id, 'data-quality': p.latest?.quality ?? 'bad' },
    numEl,
    unitEl,
  );
  const badge = h('span', { class: 'badge' });
  const label = h(
    'span',
    { class: 'point-label', title: p.label ? `${p.label}\n${p.id}` : p.id },
    p.label || p.name,
    p.kind === 'command' ? tx('span', 'cmd', undefined, { class: 'chip chip-cmd' }) : null,
  );
  const row = h('li', { class: 'point', 'data-status': 'nodata' }, label, valueEl, badge);
  state.points.set(p.id, {
    def: p,
    assetId,
    row,
    valueEl,
    numEl,
    unitEl,
    badge,
    value: undefined,
    quality: undefined,
    ts: undefined,
    reason: undefined,
  });
  return row;
}

/** Apply one latest value ({pointId, value, quality, ts, reason}) in place. */
function applyValue(v, animate) {
  const pt = state.points.get(v?.pointId);
  if (!pt) return;
  const value = v.value ?? null;
  const changed = pt.value !== undefined && value !== null && value !== pt.value;
  const same = value === pt.value && v.quality === pt.quality && v.ts === pt.ts && v.reason === pt.reason;
  if (same) return;
  const newerTs = typeof v.ts === 'number' && (pt.ts == null || v.ts > pt.ts);
  pt.value = value;
  pt.quality = v.quality;
  pt.ts = v.ts;
  pt.reason = v.reason;

  paintPoint(pt);

  if (newerTs) {
    const asset = state.assets.get(pt.assetId);
    if (asset && (asset.ts == null || v.ts > asset.ts)) {
      asset.ts = v.ts;
      paintAssetTime(asset);
    }
    if (pt.def.deviceId) noteDeviceSeen(pt.def.deviceId, v.ts);
  }
  if (animate && changed) flash(pt.valueEl);
  queueSummary();
}

/** Show a point's value, status, quality and details (again, in a new language). */
function paintPoint(pt) {
  const { def, valueEl, numEl, unitEl, badge, row, value, quality, ts, reason } = pt;
  let status;
  if (!def.deviceId) status = 'awaiting';
  else if (value === null) status = 'nodata';
  else status = quality;

  valueEl.dataset.quality = quality;
  valueEl.dataset.status = status;
  row.dataset.status = status;

  if (status === 'awaiting') {
    numEl.textContent = t('awaitingDevice');
    unitEl.textContent = '';
  } else if (status === 'nodata') {
    numEl.textContent = t('noData');
    unitEl.textContent = '';
  } else {
    numEl.textContent = formatValue(value);
    unitEl.textContent = typeof value === 'number' ? formatUnit(def.unit) : '';
  }

  const badgeText = status === 'awaiting' || status === 'nodata' ? '' : qualityText(quality);
  badge.textContent = badgeText;
  badge.hidden = !badgeText;

  const tip = [];
  if (status === 'awaiting') tip.push(t('pointNoDevice'));
  if (reason) tip.push(t('reason', { reason }));
  if (typeof ts === 'number') tip.push(t('time', { time: formatFull(ts) }));
  const title = tip.join('\n');
  valueEl.title = title;
  badge.title = title;
}

function paintAssetTime(asset) {
  if (asset.ts == null) return;
  asset.timeEl.textContent = formatTime(asset.ts);
  asset.timeEl.dateTime = new Date(asset.ts).toISOString();
  asset.timeEl.title = formatFull(asset.ts);
}

// ── Devices and links ───────────────────────────────────────────────────────

/**
 * Render GET /devices. `since` is the live-event count when that request started: a device or link that
 * changed over the socket after it keeps the newer state from the event.
 */
function renderDevices(health, since) {
  const list = $('devices');
  const seen = new Set();
  for (const d of health.devices ?? []) {
    seen.add(d.deviceId);
    let entry = state.devices.get(d.deviceId);
    if (!entry) {
      entry = createDeviceRow(d);
      state.devices.set(d.deviceId, entry);
      list.append(entry.row);
    }
    updateDevice(entry, entry.eventSeq > since ? { ...d, state: entry.data.state } : d, false);
  }
  for (const [id, entry] of state.devices)
    if (!seen.has(id)) {
      entry.row.remove();
      state.devices.delete(id);
    }
  state.devicesLoaded = true;
  paintDeviceCount();
  const placeholder = list.querySelector('.placeholder');
  if (state.devices.size) placeholder?.remove();
  else if (!placeholder) list.append(tx('li', 'noDevices', undefined, { class: 'placeholder' }));

  renderLinks(health.links ?? [], since);
  renderPipeline(health.pipeline ?? {});
  queueSummary();
}

function createDeviceRow(d) {
  const stateEl = h('span', { class: 'device-state' });
  const nameEl = h('span', { class: 'device-name' });
  const idEl = h('span', { class: 'device-id mono' });
  const seenEl = h('span', { class: 'device-seen' });
  const readingsEl = h('span', { class: 'device-readings' });
  const malformedEl = h('span', { class: 'device-malformed' });
  const row = h(
    'li',
    { class: 'device', 'data-device-id': d.deviceId, 'data-state': d.state },
    h(
      'div',
      { class: 'device-main' },
      h('span', { class: 'state-dot', 'aria-hidden': 'true' }),
      h('div', { class: 'device-title' }, nameEl, idEl),
      stateEl,
    ),
    h('div', { class: 'device-meta muted' }, seenEl, readingsEl, malformedEl),
  );
  return { data: { ...d }, row, stateEl, nameEl, idEl, seenEl, readingsEl, malformedEl, eventSeq: 0 };
}

function updateDevice(entry, d, animate) {
  const previous = entry.data.state;
  entry.data = { ...entry.data, ...d };
  const data = entry.data;
  const { row, stateEl, nameEl, idEl, seenEl, readingsEl, malformedEl } = entry;

  row.dataset.state = data.state;
  stateEl.textContent = deviceStateText(data.state);
  const errorTip = data.lastError
    ? t('lastError', { message: data.lastError.message, at: formatFull(data.lastError.at) })
    : '';
  stateEl.title = [data.reason ? t('reason', { reason: data.reason }) : '', errorTip]
    .filter(Boolean)
    .join('\n');

  nameEl.textContent = data.name || data.deviceId;
  nameEl.title = data.name || data.deviceId;
  idEl.textContent = data.name ? `${data.deviceId} · ${data.protocol ?? ''}` : (data.protocol ?? '');
  seenEl.textContent = t('lastSeen', { time: formatTime(data.lastSeenAt) });
  seenEl.title = formatFull(data.lastSeenAt);
  readingsEl.textContent = t('readings', { n: numberFormat.format(data.readings ?? 0) });
  const malformed = data.malformed ?? 0;
  malformedEl.textContent = t('malformed', { n: numberFormat.format(malformed) });
  malformedEl.dataset.count = String(malformed);
  const lm = data.lastMalformed;
  malformedEl.title = lm ? `${lm.topic}: ${lm.reason}\n${lm.sample}\n${formatFull(lm.at)}` : t('noMalformed');

  for (const chip of state.deviceChips.get(data.deviceId) ?? []) {
    chip.dataset.state = data.state;
    chip.title = chipTitle(data.deviceId);
  }
  if (animate && previous !== data.state) flash(row, 0.3);
}

/** A reading arrived for a device: it was seen, even before the next device poll. */
function noteDeviceSeen(deviceId, ts) {
  const entry = state.devices.get(deviceId);
  if (!entry || (entry.data.lastSeenAt ?? 0) >= ts) return;
  entry.data.lastSeenAt = ts;
  entry.seenEl.textContent = t('lastSeen', { time: formatTime(ts) });
  entry.seenEl.title = formatFull(ts);
}

function renderLinks(links, since) {
  const list = $('links');
  const seen = new Set();
  for (const l of links) {
    seen.add(l.linkId);
    let entry = state.links.get(l.linkId);
    if (!entry) {
      const stateEl = h('span', { class: 'link-state' });
      const errorEl = h('p', { class: 'link-error' });
      const statsEl = h('dl', { class: 'stats stats-inline' });
      const row = h(
        'li',
        { class: 'link', 'data-link-id': l.linkId, 'data-state': l.state },
        h(
          'div',
          { class: 'device-main' },
          h('span', { class: 'state-dot', 'aria-hidden': 'true' }),
          h(
            'div',
            { class: 'device-title' },
            h('span', { class: 'device-name' }, l.linkId),
            h('span', { class: 'device-id mono' }, l.protocol),
          ),
          stateEl,
        ),
        errorEl,
        statsEl,
      );
      entry = { data: {}, row, stateEl, errorEl, statsEl, eventSeq: 0 };
      state.links.set(l.linkId, entry);
      list.append(row);
    }
    updateLink(entry, entry.eventSeq > since ? { ...l, state: entry.data.state } : l, false);
  }
  for (const [id, entry] of state.links)
    if (!seen.has(id)) {
      entry.row.remove();
      state.links.delete(id);
    }
}

function updateLink(entry, l, animate) {
  const previous = entry.data.state;
  entry.data = { ...entry.data, ...l };
  const data = entry.data;
  entry.row.dataset.state = data.state;
  entry.stateEl.textContent = linkStateText(data.state);
  const message = l.error ?? data.lastError?.message;
  const showError = data.state !== 'up' && message;
  entry.errorEl.textContent = showError ? message : '';
  entry.errorEl.hidden = !showError;
  if (data.stats) renderStats(entry.statsEl, data.stats);
  if (animate && previous !== data.state) flash(entry.row, 0.3);
}

function renderStats(dl, stats) {
  dl.replaceChildren();
  for (const [k, v] of Object.entries(stats)) {
    dl.append(
      h(
        'div',
        { class: 'stat' },
        h('dt', null, statText(k)),
        h('dd', null, typeof v === 'number' ? numberFormat.format(v) : String(v)),
      ),
    );
  }
}

function renderPipeline(counters) {
  state.pipeline = counters;
  renderStats($('pipeline'), counters);
}

function paintDeviceCount() {
  $('devices-count').textContent = state.devicesLoaded ? t('devicesCount', { n: state.devices.size }) : '';
}

/** A device chip's tooltip: the device, and its state once known. */
function chipTitle(deviceId) {
  const known = state.devices.get(deviceId);
  return known
    ? t('deviceChipState', { id: deviceId, state: deviceStateText(known.data.state) })
    : t('deviceChip', { id: deviceId });
}

async function refreshDevices() {
  if (!session) return;
  const since = state.eventSeq;
  const epoch = state.epoch;
  try {
    const health = await api('/devices');
    if (epoch === state.epoch) renderDevices(health, since);
  } catch (err) {
    if (!(err instanceof SessionEnded)) console.warn('device refresh failed', err);
  }
}

/** Counters and errors come only from the API: fetch them soon after a device or link changes. */
function refreshDevicesSoon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => void refreshDevices(), 300);
}

function startDevicePolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(() => {
    if (document.visibilityState === 'visible') void refreshDevices();
  }, DEVICE_POLL_MS);
}

// ── Summary ─────────────────────────────────────────────────────────────────

function queueSummary() {
  if (state.summaryQueued) return;
  state.summaryQueued = true;
  requestAnimationFrame(() => {
    state.summaryQueued = false;
    renderSummary();
  });
}

function renderSummary() {
  const c = { online: 0, offline: 0, devices: state.devices.size, good: 0, uncertain: 0, bad: 0, pending: 0 };
  for (const d of state.devices.values()) {
    if (d.data.state === 'online') c.online++;
    else if (d.data.state === 'offline') c.offline++;
  }
  for (const p of state.points.values()) {
    const s = p.row.dataset.status;
    if (s === 'good' || s === 'uncertain' || s === 'bad') c[s]++;
    else c.pending++;
  }
  c.points = state.points.size;
  for (const el of document.querySelectorAll('[data-sum]')) {
    const key = el.dataset.sum;
    el.textContent = key === 'devices' || key === 'points' ? `/ ${c[key]}` : String(c[key]);
  }
  for (const tile of document.querySelectorAll('[data-tile]')) {
    const n = c[tile.dataset.tile] ?? 0;
    tile.dataset.nonzero = n > 0 ? 'true' : 'false';
  }
}

// ── Live connection ─────────────────────────────────────────────────────────

function setConn(s, detail) {
  emitLive('conn', s);
  const el = $('conn');
  el.dataset.state = s;
  state.conn = s;
  el.querySelector('.conn-label').textContent = connText(s);
  el.title = detail ?? '';
  document.body.dataset.conn = s;
}

function markUpdated() {
  state.lastUpdate = Date.now();
  paintLastUpdate();
}

function paintLastUpdate() {
  const el = $('last-update');
  if (state.lastUpdate === undefined) {
    el.textContent = '—';
    el.removeAttribute('datetime');
    return;
  }
  el.textContent = formatTime(state.lastUpdate);
  el.dateTime = new Date(state.lastUpdate).toISOString();
}

function connectLive() {
  if (typeof globalThis.io !== 'function') {
    setConn('error', 'socket.io client not loaded');
    showBanner(() => t('liveUnavailable'));
    return;
  }
  closeLive();
  // WebSocket first, long-polling only when it fails: a polling client that is mid-upgrade when the hub
  // stops can miss the close and show "live" until the ping timeout (~45 s).
  // forceNew: a fresh connection per login, so its handshake carries the new session cookie.
  const socket = globalThis.io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    forceNew: true,
  });
  state.socket = socket;
  // Handlers of a socket that was closed (logout, session ended) may still be called once: they check this.
  const current = () => state.socket === socket;
  /** The hub asked us to reconnect at once (new permissions), rather than after the restart pause. */
  let reconnectSoon = false;

  const subscribe = () => {
    socket.timeout(10_000).emit('subscribe', { site: true }, (err, ack) => {
      if (!current()) return;
      if (err || !ack || ack.error) {
        setConn('error', err ? String(err.message ?? err) : String(ack?.error ?? 'no ack'));
        if (socket.connected)
          setTimeout(() => {
            if (current()) subscribe();
          }, RETRY_MS);
        return;
      }
      for (const v of ack.values ?? []) applyValue(v, true);
      markUpdated();
      setConn('live');
    });
    // Device states may have changed while we were away; the socket only sends changes.
    void refreshDevices();
  };

  socket.on('connect', () => {
    if (!current()) return;
    showBanner('');
    subscribe();
  });
  // Sent right before the hub disconnects us because of the session. `reconnect`: only the permissions
  // changed, the session is still valid; otherwise it is over and the user must log in again.
  socket.on('session-ended', (e) => {
    if (!current()) return;
    if (e?.reconnect) {
      reconnectSoon = true;
      void refreshSession();
      return;
    }
    sessionEnded(typeof e?.reason === 'string' ? e.reason : 'expired');
  });
  socket.on('disconnect', (reason) => {
    if (!current()) return;
    setConn('reconnecting', reason);
    // The hub closed us (it is restarting, or the permissions changed): socket.io does not reconnect by
    // itself then. If the session ended meanwhile, the handshake fails with 'unauthorized' (below).
    if (reason === 'io server disconnect')
      setTimeout(
        () => {
          if (current()) socket.connect();
        },
        reconnectSoon ? 100 : 2_000,
      );
    reconnectSoon = false;
  });
  socket.on('connect_error', (err) => {
    if (!current()) return;
    // The hub refused the handshake: socket.io does not retry that by itself, and must not.
    if (err?.message === 'unauthorized') {
      sessionEnded('expired');
      return;
    }
    if (err?.message === 'forbidden') {
      setConn('error', err.message);
      showBanner(() => t('liveForbidden'));
      return;
    }
    setConn('reconnecting', err?.message);
  });
  socket.on('values', (batch) => {
    if (!current() || !Array.isArray(batch)) return;
    for (const v of batch) applyValue(v, true);
    markUpdated();
    emitLive('values', batch);
  });
  for (const type of ['alert', 'ticket', 'gate', 'pass', 'device', 'link'])
    socket.on(type, (e) => {
      if (current()) emitLive(type, e);
    });
  socket.on('device', (e) => {
    if (!current()) return;
    const entry = state.devices.get(e?.deviceId);
    if (!entry) {
      void refreshDevices();
      return;
    }
    entry.eventSeq = ++state.eventSeq;
    updateDevice(entry, { state: e.state, reason: e.reason }, true);
    queueSummary();
    refreshDevicesSoon();
  });
  socket.on('link', (e) => {
    if (!current()) return;
    const entry = state.links.get(e?.linkId);
    if (!entry) {
      void refreshDevices();
      return;
    }
    entry.eventSeq = ++state.eventSeq;
    updateLink(entry, { state: e.state, error: e.error }, true);
    refreshDevicesSoon();
  });
}

/** Close the live connection for good: no more events, no reconnect. */
function closeLive() {
  const socket = state.socket;
  if (!socket) return;
  state.socket = undefined;
  socket.removeAllListeners();
  socket.disconnect();
}

// ── Session ─────────────────────────────────────────────────────────────────

let loginBusy = false;
let sessionCheckTimer;
let noticeTimer;

/** Messages on show that are functions of the language (see setMessage): element → text. */
const shownMessages = new Map();

/**
 * Set a message element's text; an empty text hides it. A function as the text is called again when the
 * language changes, so the message follows it.
 */
function setMessage(el, text) {
  if (typeof text === 'function') shownMessages.set(el, text);
  else shownMessages.delete(el);
  const shown = typeof text === 'function' ? text() : text;
  el.textContent = shown ?? '';
  el.hidden = !shown;
}

function showNotice(text) {
  clearTimeout(noticeTimer);
  setMessage($('notice'), text);
  if (text) noticeTimer = setTimeout(() => setMessage($('notice'), ''), 8_000);
}

/** The login form instead of the dashboard. `username` pre-fills it after a session ended. */
function showLogin({ notice = '', error = '', username = '' } = {}) {
  document.body.dataset.auth = 'out';
  $('app').hidden = true;
  $('login').hidden = false;
  setLoginBusy(false);
  setMessage($('login-notice'), notice);
  setMessage($('login-error'), error);
  $('login-username').value = username;
  $('login-password').value = '';
  window.scrollTo(0, 0);
  (username ? $('login-password') : $('login-username')).focus();
}

function setLoginBusy(busy) {
  loginBusy = busy;
  $('login-submit').disabled = busy;
  $('login-form').setAttribute('aria-busy', String(busy));
  // readOnly, not disabled: a disabled field would lose the focus
  $('login-username').readOnly = busy;
  $('login-password').readOnly = busy;
}

function renderUser() {
  const { user } = session;
  const name = $('user-name');
  name.textContent = user.displayName || user.username;
  name.title = user.username;
  $('user-roles').textContent = (user.roles ?? []).map(roleText).join(' · ');
  $('user').hidden = false;
}

/** Logged in (or found logged in at start): show the dashboard and load it. */
function startSession(info) {
  clearTimeout(sessionCheckTimer);
  if (session) endSession();
  session = info;
  state.epoch++;
  hubEvents.dispatchEvent(new CustomEvent('session', { detail: info }));
  renderUser();
  document.body.dataset.auth = 'in';
  $('login').hidden = true;
  $('app').hidden = false;
  void bootDashboard();
}

/**
 * Forget the session and everything shown with it: close the socket, stop the timers, empty the page. The
 * next login loads it all again, from its own permissions.
 */
function endSession() {
  session = null;
  state.epoch++;
  hubEvents.dispatchEvent(new CustomEvent('session', { detail: null }));
  closeLive();
  clearInterval(state.pollTimer);
  clearTimeout(state.refreshTimer);
  const dialog = $('password-dialog');
  if (dialog.open) dialog.close();

  state.points.clear();
  state.assets.clear();
  state.devices.clear();
  state.links.clear();
  state.deviceChips.clear();
  const tree = $('tree');
  tree.replaceChildren(tx('p', 'loading', undefined, { class: 'placeholder' }));
  tree.setAttribute('aria-busy', 'true');
  for (const id of ['devices', 'links', 'pipeline']) $(id).replaceChildren();
  for (const id of ['site-meta', 'site-counts', 'devices-count', 'user-name', 'user-roles'])
    $(id).textContent = '';
  state.site = undefined;
  state.pipeline = undefined;
  state.devicesLoaded = false;
  state.lastUpdate = undefined;
  renderSiteName();
  paintLastUpdate();
  $('user').hidden = true;
  showBanner('');
  showNotice('');
  setConn('connecting');
  renderSummary();
}

/** The hub says the session is over (a 401, a refused handshake, `session-ended`): log in again. */
function sessionEnded(reason) {
  if (!session) return;
  const { username } = session.user;
  endSession();
  showLogin({
    notice: () => t('sessionEnded', { why: sessionEndText(reason) }),
    username,
  });
}

/** Permissions changed but the session stays (`session-ended` with reconnect): show the new roles. */
async function refreshSession() {
  const epoch = state.epoch;
  try {
    const info = await api('/auth/session');
    if (epoch !== state.epoch || !session) return;
    session = info;
    renderUser();
  } catch (err) {
    if (!(err instanceof SessionEnded)) console.warn('session refresh failed', err);
  }
}

/** At start: logged in already (the cookie) or not. */
async function checkSession() {
  try {
    const info = await api('/auth/session', { anonymous: true });
    if (!session && !loginBusy) startSession(info);
  } catch (err) {
    if (session || loginBusy) return;
    if (err instanceof ApiError && err.status === 401) {
      if ($('login').hidden) showLogin();
      else setMessage($('login-error'), '');
      return;
    }
    // No answer: offer the form, and keep asking, since the session may well still be valid.
    const text = () => t('hubUnreachableRetrying', { message: err.message });
    if ($('login').hidden) showLogin({ error: text });
    else setMessage($('login-error'), text);
    sessionCheckTimer = setTimeout(() => void checkSession(), RETRY_MS);
  }
}

/** The ISO time in a 423's detail, else now + Retry-After. */
function lockedUntil(err) {
  const iso = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/.exec(err.detail ?? '')?.[0];
  const ms = iso ? Date.parse(iso) : err.retryAfter !== undefined ? Date.now() + err.retryAfter * 1000 : NaN;
  if (!Number.isFinite(ms)) return '';
  // The site's time zone once a page has loaded the site, the browser's before: name it either way.
  return `${formatFull(ms)} (${dateTimeFormat.resolvedOptions().timeZone})`;
}

function loginErrorText(err) {
  if (!(err instanceof ApiError)) return t('hubUnreachable', { message: err.message });
  switch (err.status) {
    case 401:
      return t('wrongPassword');
    case 423: {
      const until = lockedUntil(err);
      return until ? t('lockedUntil', { until }) : t('locked');
    }
    case 429:
      return err.retryAfter !== undefined
        ? t('tooManyAttemptsIn', { s: err.retryAfter })
        : t('tooManyAttempts', { detail: err.detail ?? t('tryLater') });
    default:
      return t('loginFailed', { detail: err.detail ?? err.title ?? `HTTP ${err.status}` });
  }
}

async function submitLogin(ev) {
  ev.preventDefault();
  if (loginBusy) return;
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  if (!username || !password) {
    setMessage($('login-error'), () => t('enterCredentials'));
    (username ? $('login-password') : $('login-username')).focus();
    return;
  }
  clearTimeout(sessionCheckTimer);
  setLoginBusy(true);
  setMessage($('login-error'), '');
  try {
    const info = await api('/auth/login', { method: 'POST', body: { username, password }, anonymous: true });
    setLoginBusy(false);
    $('login-password').value = '';
    startSession(info);
  } catch (err) {
    setLoginBusy(false);
    setMessage($('login-notice'), '');
    setMessage($('login-error'), () => loginErrorText(err));
    const field = $('login-password');
    field.focus();
    field.select();
  }
}

async function logout() {
  if (!session) return;
  const button = $('logout');
  button.disabled = true;
  // The hub tells this page's socket that the session was logged out; close it first so that is not
  // taken for a logout from elsewhere.
  closeLive();
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (err) {
    button.disabled = false;
    if (err instanceof SessionEnded) return; // over anyway: the login form is shown
    showBanner(() => t('logoutFailed', { message: err.message }));
    connectLive(); // still logged in
    return;
  }
  button.disabled = false;
  endSession();
  showLogin({ notice: () => t('loggedOut') });
}

// ── Change password ─────────────────────────────────────────────────────────

function openPasswordDialog() {
  if (!session) return;
  const dialog = $('password-dialog');
  $('password-form').reset();
  $('password-username').value = session.user.username;
  setMessage($('password-error'), '');
  $('password-submit').disabled = false;
  dialog.showModal();
  $('password-current').focus();
}

async function submitPassword(ev) {
  ev.preventDefault();
  const currentPassword = $('password-current').value;
  const newPassword = $('password-new').value;
  const error = $('password-error');
  if (!currentPassword || !newPassword) {
    setMessage(error, () => t('enterPasswords'));
    return;
  }
  if (newPassword !== $('password-confirm').value) {
    setMessage(error, () => t('passwordsDiffer'));
    $('password-confirm').focus();
    return;
  }
  const submit = $('password-submit');
  submit.disabled = true;
  setMessage(error, '');
  try {
    await api('/auth/password', { method: 'POST', body: { currentPassword, newPassword } });
    $('password-dialog').close();
    showNotice(() => t('passwordChanged'));
  } catch (err) {
    if (err instanceof SessionEnded) return; // the login form is shown
    let text;
    if (err.status === 403) {
      text = () => t('currentPasswordWrong');
      $('password-current').focus();
    } else if (err.status === 400)
      // e.g. "newPassword: expected at least 10 characters"
      text = () => t('newPasswordRefused', { detail: (err.detail ?? '').replace(/^newPassword:\s*/, '') });
    else text = () => t('passwordFailed', { detail: err.detail ?? err.message });
    setMessage(error, text);
  } finally {
    submit.disabled = false;
  }
}

// ── Language ────────────────────────────────────────────────────────────────

/**
 * The language changed: the static text (data-i18n), then everything this module wrote, from what it keeps
 * (points, devices, links, counters, messages); nothing is fetched again and nothing flashes.
 */
function relabel() {
  makeFormats();
  translateStatic();
  renderSiteName();
  for (const pt of state.points.values()) if (pt.value !== undefined) paintPoint(pt);
  for (const asset of state.assets.values()) paintAssetTime(asset);
  for (const entry of state.devices.values()) updateDevice(entry, {}, false);
  for (const [deviceId, chips] of state.deviceChips)
    for (const chip of chips) chip.title = chipTitle(deviceId);
  paintDeviceCount();
  for (const entry of state.links.values()) {
    entry.stateEl.textContent = linkStateText(entry.data.state);
    if (entry.data.stats) renderStats(entry.statsEl, entry.data.stats);
  }
  if (state.pipeline) renderPipeline(state.pipeline);
  if (state.conn) $('conn').querySelector('.conn-label').textContent = connText(state.conn);
  paintLastUpdate();
  if (session) renderUser();
  for (const [el, text] of shownMessages) if (!el.hidden) el.textContent = text();
}

// ── Start ───────────────────────────────────────────────────────────────────

/** Load the site, assets and devices of the current session; false (and a banner) when that failed. */
async function load(epoch) {
  try {
    const since = state.eventSeq;
    const [siteInfo, assets, health] = await Promise.all([
      api('/site'),
      api('/assets?values=true'),
      api('/devices'),
    ]);
    if (epoch !== state.epoch) return false;
    renderDevices(health, since);
    renderSite(siteInfo, assets);
    emitLive('site', siteInfo);
    showBanner('');
    return true;
  } catch (err) {
    if (epoch !== state.epoch || err instanceof SessionEnded) return false;
    console.warn('initial load failed', err);
    showBanner(() => t('loadFailed', { s: RETRY_MS / 1000, message: err.message }));
    setConn('error', err.message);
    return false;
  }
}

/** After a login: load, then go live. Stops as soon as the session ends. */
async function bootDashboard() {
  const epoch = state.epoch;
  while (!(await load(epoch))) {
    if (epoch !== state.epoch) return;
    await new Promise((r) => setTimeout(r, RETRY_MS));
    if (epoch !== state.epoch) return;
  }
  connectLive();
  startDevicePolling();
}

function main() {
  translateStatic();
  renderSiteName();
  onLang(relabel);
  $('login-form').addEventListener('submit', (ev) => void submitLogin(ev));
  $('logout').addEventListener('click', () => void logout());
  $('change-password').addEventListener('click', openPasswordDialog);
  $('password-form').addEventListener('submit', (ev) => void submitPassword(ev));
  $('password-cancel').addEventListener('click', () => $('password-dialog').close());
  // No passwords left in the DOM once the dialog is closed (Escape, Cancel or done).
  $('password-dialog').addEventListener('close', () => $('password-form').reset());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshDevices();
  });
  void checkSession();
}

main();
