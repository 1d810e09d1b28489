import { useEffect, useState } from 'preact/hooks';
import { api, can } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate } from '../router.js';
import { type Asset, loadAssets, problemLines, type TicketDetail } from './tickets-common.js';
import { uploadPhoto } from './tickets-photo.js';
import { priorityText, t } from './tickets-text.js';

/**
 * Report a fault (报修), made for a phone: the equipment (grouped by zone; `#/tickets/new?asset=<id>` picks
 * one, e.g. from a QR label), or where it is, what is wrong, the priority, and a photo from the camera. The
 * ticket is created first (POST /tickets), then the photo goes up; a photo that fails leaves the ticket
 * reported and says so.
 */

interface ZoneNode {
  id: string;
  name: string;
  children: ZoneNode[];
}

function zoneNames(zones: ZoneNode[], prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const z of zones) {
    const name = prefix ? `${prefix} / ${z.name}` : z.name;
    out.set(z.id, name);
    zoneNames(z.children ?? [], name, out);
  }
  return out;
}

export function ReportForm({ preset }: { preset?: string }) {
  useLang();
  const [assets, setAssets] = useState<Asset[]>();
  const [zones, setZones] = useState<Map<string, string>>(new Map());
  const [assetId, setAssetId] = useState(preset ?? '');
  const [location, setLocation] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState(3);
  const [photo, setPhoto] = useState<File>();
  const [preview, setPreview] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [half, setHalf] = useState<{ id: number; why: string }>();

  useEffect(() => {
    loadAssets().then(
      (m) => setAssets([...m.values()].sort((a, b) => a.name.localeCompare(b.name))),
      (err) => setError(problemLines(err)),
    );
    api<{ zones: ZoneNode[] }>('/site').then(
      (s) => setZones(zoneNames(s.zones)),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (!photo) return;
    const url = URL.createObjectURL(photo);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [photo]);

  const byZone = new Map<string, Asset[]>();
  for (const a of assets ?? []) byZone.set(a.zone, [...(byZone.get(a.zone) ?? []), a]);
  const groups = [...byZone.entries()]
    .map(([zone, list]) => ({ label: zones.get(zone) ?? zone, list }))
    .sort((a, b) => a.label.localeCompare(b.label));

  const needsLocation = !assetId;
  const ready =
    !busy && title.trim() !== '' && description.trim() !== '' && (!needsLocation || location.trim());

  async function submit(e: Event) {
    e.preventDefault();
    if (!ready) {
      if (needsLocation && !location.trim()) setError(t('locationNeeded'));
      return;
    }
    setBusy(true);
    setError(undefined);
    let created: TicketDetail;
    try {
      created = await api<TicketDetail>('/tickets', {
        method: 'POST',
        body: {
          title: title.trim(),
          description: description.trim(),
          ...(assetId ? { assetId } : {}),
          ...(location.trim() ? { location: location.trim() } : {}),
          priority,
        },
      });
    } catch (err) {
      setError(problemLines(err));
      setBusy(false);
      return;
    }
    const id = created.ticket.id;
    if (photo) {
      try {
        await uploadPhoto(id, photo, 'report');
      } catch (err) {
        setHalf({ id, why: problemLines(err) });
        setBusy(false);
        return;
      }
    }
    navigate(href('tickets', [id]));
  }

  if (!can('tickets:submit'))
    return (
      <section class="view tk tk-report" data-view-id="tickets">
        <p class="form-error" role="alert">
          {t('mayNotReport')}
        </p>
      </section>
    );
  if (half)
    return (
      <section class="view tk tk-report" data-view-id="tickets">
        <p class="form-error" role="alert">
          {t('reportedNoPhoto', { id: half.id, why: half.why })}
        </p>
        <a class="btn btn-primary" href={href('tickets', [half.id])}>
          {t('openTicket', { id: half.id })}
        </a>
      </section>
    );

  return (
    <section class="view tk tk-report" data-view-id="tickets">
      <a class="tk-back" href={href('tickets')}>
        ← {t('back')}
      </a>
      <form class="panel tk-report-form" onSubmit={submit} noValidate data-form="report">
        <h2>{t('reportTitle')}</h2>
        <p class="muted">{t('reportHint')}</p>

        <div class="field">
          <label for="tk-r-asset">{t('pickAsset')}</label>
          <select
            id="tk-r-asset"
            name="assetId"
            value={assetId}
            onChange={(e) => setAssetId((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('noAsset')}</option>
            {groups.map((g) => (
              <optgroup key={g.label} label={g.label}>
                {g.list.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </optgroup>
            ))}
            {assetId && assets && !assets.some((a) => a.id === assetId) && (
              <option value={assetId}>{assetId}</option>
            )}
          </select>
        </div>

        <div class="field">
          <label for="tk-r-location">
            {t('location')}
            {!needsLocation && <span class="muted"> · {t('optional')}</span>}
          </label>
          <input
            id="tk-r-location"
            name="location"
            maxLength={200}
            placeholder={t('locationHint')}
            required={needsLocation}
            value={location}
            onInput={(e) => setLocation((e.target as HTMLInputElement).value)}
          />
        </div>

        <div class="field">
          <label for="tk-r-title">{t('summary')}</label>
          <input
            id="tk-r-title"
            name="title"
            maxLength={200}
            required
            placeholder={t('summaryPlaceholder')}
            value={title}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          />
        </div>

        <div class="field">
          <label for="tk-r-description">{t('details')}</label>
          <textarea
            id="tk-r-description"
            name="description"
            rows={4}
            maxLength={5000}
            required
            placeholder={t('detailsPlaceholder')}
            value={description}
            onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)}
          />
        </div>

        <fieldset class="tk-priority">
          <legend>{t('priority')}</legend>
          {[1, 2, 3, 4].map((p) => (
            <label key={p} class={priority === p ? 'on' : ''} data-p={p}>
              <input
                type="radio"
                name="priority"
                value={p}
                checked={priority === p}
                onChange={() => setPriority(p)}
              />
              {priorityText(p)}
            </label>
          ))}
        </fieldset>

        <div class="field">
          <span class="tk-label">{t('photo')}</span>
          {photo && preview ? (
            <div class="tk-preview">
              <img src={preview} alt={t('photo')} />
              <button type="button" class="btn btn-small" onClick={() => setPhoto(undefined)}>
                {t('removePhoto')}
              </button>
            </div>
          ) : (
            <label class="btn tk-file tk-camera">
              <input
                type="file"
                name="photo"
                accept="image/*"
                capture="environment"
                onChange={(e) => setPhoto((e.target as HTMLInputElement).files?.[0])}
              />
              <span aria-hidden="true">📷</span> {t('takePhoto')}
            </label>
          )}
        </div>

        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary tk-send" disabled={busy} data-submit="report">
          {busy ? t('sending') : t('send')}
        </button>
      </form>
    </section>
  );
}
