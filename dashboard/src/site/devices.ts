import type { DevicesAnswer } from '../hub-types.js';
import { api, currentEpoch, currentSession, SessionEnded } from './api.js';
import { $, flash, h, tx } from './dom.js';
import { deviceStateText, formatCount, formatFull, formatTime } from './format.js';
import { renderLinks, renderPipeline } from './links.js';
import { type DeviceData, type DeviceEntry, state } from './state.js';
import { queueSummary } from './summary.js';
import { t } from './text.js';

/**
 * The devices beside the site tree (GET /devices, again every 10 s and soon after a live change), and the
 * device chips on the asset cards, which show their device's state.
 */

const DEVICE_POLL_MS = 10_000;
let pollTimer: number | undefined;
let refreshTimer: number | undefined;

/**
 * Render GET /devices. `since` is the live-event count when that request started: a device or link that
 * changed over the socket after it keeps the newer state from the event.
 */
export function renderDevices(health: DevicesAnswer, since: number): void {
  const list = $('devices');
  const seen = new Set<string>();
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

function createDeviceRow(d: DeviceData): DeviceEntry {
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

/** Show a device's state, counters and errors (`d`: what changed); its chips follow. */
export function updateDevice(entry: DeviceEntry, d: Partial<DeviceData>, animate: boolean): void {
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
  readingsEl.textContent = t('readings', { n: formatCount(data.readings ?? 0) });
  const malformed = data.malformed ?? 0;
  malformedEl.textContent = t('malformed', { n: formatCount(malformed) });
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
export function noteDeviceSeen(deviceId: string, ts: number): void {
  const entry = state.devices.get(deviceId);
  if (!entry || (entry.data.lastSeenAt ?? 0) >= ts) return;
  entry.data.lastSeenAt = ts;
  entry.seenEl.textContent = t('lastSeen', { time: formatTime(ts) });
  entry.seenEl.title = formatFull(ts);
}

/** A device chip on an asset card: it shows the device's state once known. */
export function addChip(deviceId: string, chip: HTMLElement): void {
  const chips = state.deviceChips.get(deviceId) ?? [];
  chips.push(chip);
  state.deviceChips.set(deviceId, chips);
  const known = state.devices.get(deviceId);
  if (known) chip.dataset.state = known.data.state;
}

/** A device chip's tooltip: the device, and its state once known. */
export function chipTitle(deviceId: string): string {
  const known = state.devices.get(deviceId);
  return known
    ? t('deviceChipState', { id: deviceId, state: deviceStateText(known.data.state) })
    : t('deviceChip', { id: deviceId });
}

function paintDeviceCount(): void {
  $('devices-count').textContent = state.devicesLoaded ? t('devicesCount', { n: state.devices.size }) : '';
}

export async function refreshDevices(): Promise<void> {
  if (!currentSession()) return;
  const since = state.eventSeq;
  const epoch = currentEpoch();
  try {
    const health = await api<DevicesAnswer>('/devices');
    if (epoch === currentEpoch()) renderDevices(health, since);
  } catch (err) {
    if (!(err instanceof SessionEnded)) console.warn('device refresh failed', err);
  }
}

/** Counters and errors come only from the API: fetch them soon after a device or link changes. */
export function refreshDevicesSoon(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshDevices(), 300);
}

export function startDevicePolling(): void {
  clearInterval(pollTimer);
  pollTimer = setInterval(() => {
    if (document.visibilityState === 'visible') void refreshDevices();
  }, DEVICE_POLL_MS);
}

export function stopDevicePolling(): void {
  clearInterval(pollTimer);
  clearTimeout(refreshTimer);
}

/** The language changed: the devices, their chips and their count again. */
export function relabelDevices(): void {
  for (const entry of state.devices.values()) updateDevice(entry, {}, false);
  for (const [deviceId, chips] of state.deviceChips)
    for (const chip of chips) chip.title = chipTitle(deviceId);
  paintDeviceCount();
}
