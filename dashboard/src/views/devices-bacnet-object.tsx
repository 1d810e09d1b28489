import { useState } from 'preact/hooks';
import { type ApiProblem, api, problemText } from '../hub.js';
import type { BacnetDiscoveredDevice, BacnetObjectAnswer, DeviceHealth } from '../hub-types.js';
import { href } from '../router.js';
import { discoverPath } from './devices-bacnet.js';
import { fieldError, OBJECT_KEY } from './devices-bacnet-model.js';
import { BacnetObjectView } from './devices-bacnet-priority.js';
import { bt } from './devices-bacnet-text.js';

/**
 * The object inspector of a configured BACnet device (GET /devices/:id/bacnet/object, devices:diagnose): type
 * an object or pick one the device has (from a discovery, or listed here once the device's instance is known
 * from a first read) and see its value, status and priority array. A device without that object, one that
 * does not answer and a link that is down are each said as such.
 */

export function BacnetInspect({
  device,
  seen,
  onSeen,
}: {
  device: DeviceHealth;
  /** The devices discoveries found, by instance. */
  seen: ReadonlyMap<number, BacnetDiscoveredDevice>;
  onSeen: (devices: BacnetDiscoveredDevice[]) => void;
}) {
  const [object, setObject] = useState('analog-value:1');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<BacnetObjectAnswer>();
  const [error, setError] = useState<{ text: string; status?: number; missing?: boolean }>();
  /** The device's instance, from its first answer. */
  const [instance, setInstance] = useState<number>();
  const [listing, setListing] = useState(false);
  const valid = OBJECT_KEY.test(object.trim());

  // the objects to pick from: this device's once its instance is known, else every discovered one
  const mine = instance === undefined ? undefined : seen.get(instance);
  const choices = mine
    ? mine.objects
    : [...seen.values()]
        .flatMap((d) => d.objects)
        .filter((o, i, all) => all.findIndex((x) => x.object === o.object) === i);

  const read = async (key = object.trim()) => {
    if (busy || !OBJECT_KEY.test(key)) return;
    setBusy(true);
    setError(undefined);
    try {
      const a = await api<BacnetObjectAnswer>(
        `/devices/${encodeURIComponent(device.deviceId)}/bacnet/object?object=${encodeURIComponent(key)}`,
      );
      setInstance(a.device);
      if (fieldError(a.presentValue)?.startsWith('object/') && fieldError(a.name)) {
        setAnswer(undefined);
        setError({ text: `${key}: ${fieldError(a.presentValue)}`, missing: true });
      } else setAnswer(a);
    } catch (err) {
      setAnswer(undefined);
      setError({ text: problemText(err), status: (err as ApiProblem).status });
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void read();
  };
  const list = async () => {
    if (instance === undefined || listing) return;
    setListing(true);
    try {
      const [d] = await api<BacnetDiscoveredDevice[]>(discoverPath(3, instance, instance));
      if (d) onSeen([d]);
      else setError({ text: bt('noneAnswered', { s: 3 }) });
    } catch (err) {
      setError({ text: problemText(err), status: (err as ApiProblem).status });
    } finally {
      setListing(false);
    }
  };

  return (
    <section class="panel dv-tool" data-inspect={device.deviceId}>
      <div class="section-head">
        <h2>{bt('inspectOf', { device: device.name ?? device.deviceId })}</h2>
        <a class="btn btn-small" href={href('devices')} data-action="close">
          {bt('close')}
        </a>
      </div>
      <p class="muted dv-hint">{bt('inspectHint')}</p>
      <form class="dv-form" data-inspect-form onSubmit={submit}>
        <label>
          <span>{bt('object')}</span>
          <input
            name="object"
            class="dv-object-input"
            list={`bacnet-objects-${device.deviceId}`}
            value={object}
            title={bt('objectHint')}
            placeholder="analog-value:1"
            autoComplete="off"
            spellcheck={false}
            aria-invalid={valid ? undefined : 'true'}
            onInput={(e) => setObject((e.target as HTMLInputElement).value)}
          />
          <datalist id={`bacnet-objects-${device.deviceId}`}>
            {choices.map((o) => (
              <option key={o.object} value={o.object}>
                {o.objectName ?? o.name}
              </option>
            ))}
          </datalist>
        </label>
        <button type="submit" class="btn btn-primary" data-action="read" disabled={busy || !valid}>
          {busy ? bt('reading') : bt('read')}
        </button>
        {instance !== undefined && !mine && (
          <button type="button" class="btn" data-action="list-objects" disabled={listing} onClick={list}>
            {listing ? bt('listing') : bt('listObjects', { n: instance })}
          </button>
        )}
      </form>
      {mine && mine.objects.length > 0 && (
        <div class="dv-picks" data-object-picks={mine.deviceId}>
          <small class="muted">{bt('listed', { n: mine.objects.length, d: mine.deviceId })}</small>
          {mine.objects.map((o) => (
            <button
              key={o.object}
              type="button"
              class="btn btn-small dv-pick"
              data-pick={o.object}
              aria-pressed={answer?.object === o.object ? 'true' : undefined}
              title={o.objectName}
              onClick={() => {
                setObject(o.object);
                void read(o.object);
              }}
            >
              {o.object}
            </button>
          ))}
        </div>
      )}

      {error && (
        <div
          class="dv-fault"
          role="alert"
          data-inspect-error={error.missing ? 'no-object' : ''}
          data-status={error.status}
        >
          <b>
            {bt(
              error.missing
                ? 'noSuchObject'
                : error.status === 503
                  ? 'deviceLinkDown'
                  : error.status === 502
                    ? 'noAnswer'
                    : 'readFailed',
            )}
          </b>
          <span>{error.text}</span>
        </div>
      )}
      {answer && !error && <BacnetObjectView answer={answer} />}
    </section>
  );
}
