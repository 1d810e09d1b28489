import { useEffect } from 'preact/hooks';
import { useApi } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { t } from './asset-labels-text.js';

/**
 * A sheet of QR labels for the assets of a zone (#/assets/labels?zone=<id>), made to print on A4: each label
 * has the asset's name, id and zone and a QR that opens the phone fault report for it (#/report?asset=<id>).
 * The hub draws the QR codes (GET /asset-labels); while this view is open, printing prints the sheet alone.
 */

interface Label {
  id: string;
  name: string;
  zonePath: string;
  url: string;
  svg: string;
}
interface Labels {
  base: string;
  baseFrom: 'publicUrl' | 'request';
  total: number;
  labels: Label[];
}
interface ZoneNode {
  id: string;
  name: string;
  children?: ZoneNode[];
}

function flatZones(zones: ZoneNode[], depth = 0, out: { id: string; label: string }[] = []) {
  for (const z of zones) {
    out.push({ id: z.id, label: `${'\u00a0\u00a0'.repeat(depth)}${z.name}` });
    flatZones(z.children ?? [], depth + 1, out);
  }
  return out;
}

const svgSrc = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export function AssetLabels({ route }: { route: Route }) {
  useLang();
  const zone = route.query.get('zone') ?? '';
  const labels = useApi<Labels>(`/asset-labels${zone ? `?zone=${encodeURIComponent(zone)}` : ''}`);
  const site = useApi<{ zones: ZoneNode[] }>('/site');
  useEffect(() => {
    document.body.dataset.print = 'labels';
    return () => {
      delete document.body.dataset.print;
    };
  }, []);

  const data = labels.data;
  return (
    <section class="view labels-view" data-view-id="labels">
      <div class="labels-toolbar">
        <h2>{t('title')}</h2>
        <div class="toolbar">
          <label class="tk-select">
            <span class="muted">{t('zone')}</span>
            <select
              name="zone"
              value={zone}
              onChange={(e) => {
                const z = (e.target as HTMLSelectElement).value;
                navigate(href('assets', ['labels'], z ? { zone: z } : undefined));
              }}
            >
              <option value="">{t('allZones')}</option>
              {flatZones(site.data?.zones ?? []).map((z) => (
                <option key={z.id} value={z.id}>
                  {z.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="btn btn-primary" data-action="print" onClick={() => print()}>
            {t('print')}
          </button>
          {data && <span class="muted">{t('count', { n: data.labels.length })}</span>}
        </div>
        <p class="muted">{t('hint')}</p>
        {data?.baseFrom === 'request' && (
          <p class="notice-inline" data-base-warning>
            {t('fromRequest', { base: data.base })}
          </p>
        )}
        {data && data.total > data.labels.length && (
          <p class="notice-inline">{t('truncated', { n: data.labels.length, total: data.total })}</p>
        )}
      </div>
      {labels.error && <ErrorBox error={labels.error} retry={labels.reload} />}
      {!data && !labels.error && <Loading />}
      {data && data.labels.length === 0 && <p class="placeholder">{t('none')}</p>}
      {data && data.labels.length > 0 && (
        <div class={`labels-sheet${labels.loading ? ' stale' : ''}`}>
          {data.labels.map((l) => (
            <figure key={l.id} class="asset-label" data-asset={l.id}>
              <img class="asset-label-qr" src={svgSrc(l.svg)} alt={l.url} data-url={l.url} />
              <figcaption>
                <strong class="asset-label-name">{l.name}</strong>
                <code class="asset-label-id">{l.id}</code>
                <span class="asset-label-zone">{l.zonePath}</span>
                <span class="asset-label-scan">{t('scan')}</span>
              </figcaption>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
