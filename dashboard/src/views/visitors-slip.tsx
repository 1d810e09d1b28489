import { useEffect } from 'preact/hooks';
import { slipTime } from '../../../domains/visitors/slip-text.js';
import type { Slip } from '../../../domains/visitors/slip-types.js';
import { useApi } from '../hub.js';
import { lang, useLang } from '../i18n.js';
import { href } from '../router.js';
import { ErrorBox, Loading } from '../ui.js';
import { sl } from './visitors-slip-text.js';

// A6 as lengths: Chrome knows no A6 keyword (A5 is its smallest)
const SLIP_PAGE = '@page { size: 105mm 148mm; margin: 6mm; }';

/**
 * The pass slip's print view (`#/visitors/passes/<id>/slip`): the slip as reception prints it on the desk's
 * printer (A6, the print stylesheet hides everything else), with the same contents as the PDF. The hub
 * answers 409 for a pass that cannot open a gate: shown as the error.
 */
export function PassSlipView({ id }: { id: string }) {
  useLang();
  const slip = useApi<Slip & { qrMatrix: string[] }>(/^\d+$/.test(id) ? `/passes/${id}/slip` : null);
  useEffect(() => {
    document.body.dataset.print = 'slip';
    return () => {
      delete document.body.dataset.print;
    };
  }, []);
  const s = slip.data;
  // as on the PDF: minutes, in the site's zone, "7 Dec 2026" in English
  const time = (ms: number) => slipTime(ms, lang(), s?.timeZone ?? 'UTC');
  const rows: [string, string, string][] = s
    ? [
        ['visitor', sl('visitor'), s.visitorName],
        ...(s.company ? [['company', sl('company'), s.company] as [string, string, string]] : []),
        ['host', sl('host'), s.hostName],
        ['validity', sl('validity'), `${time(s.validFrom)} – ${time(s.validUntil)}`],
        ...(s.opensAt < s.validFrom
          ? [['opens', '', sl('opensAt', { time: time(s.opensAt) })] as [string, string, string]]
          : []),
        [
          'entries',
          sl('entries'),
          s.maxEntries === 0 ? sl('anyEntries') : sl('entriesOf', { max: s.maxEntries, used: s.entriesUsed }),
        ],
        ['gates', sl('gates'), s.gates ? s.gates.map((g) => g.name).join(', ') : sl('allGates')],
        ['issued', sl('issued'), time(s.issuedAt)],
      ]
    : [];
  return (
    <section class="view visitors pass-slip-view" data-view-id="visitors-slip">
      {/* A6 paper only while this view is open: a stylesheet's @page would size every print of the dashboard */}
      <style>{SLIP_PAGE}</style>
      <div class="slip-actions">
        <a class="btn btn-small" href={href('visitors')} data-action="back">
          {sl('back')}
        </a>
        {s && (
          <>
            <button
              type="button"
              class="btn btn-small btn-primary"
              data-action="print-slip"
              onClick={() => window.print()}
            >
              {sl('print')}
            </button>
            <a
              class="btn btn-small"
              href={`/api/v1/passes/${s.passId}/slip.pdf?lang=${lang()}`}
              target="_blank"
              rel="noopener"
              data-action="slip-pdf"
            >
              {sl('pdf')}
            </a>
          </>
        )}
      </div>
      {slip.error && <ErrorBox error={slip.error} retry={slip.reload} />}
      {!s && !slip.error && <Loading />}
      {s && (
        <article class="pass-slip" data-slip-pass={s.passId}>
          <p class="slip-site">{s.siteName}</p>
          <h2 class="slip-title">{sl('title')}</h2>
          <QrImage matrix={s.qrMatrix} label={sl('qrAlt', { id: s.passId })} payload={s.qr} />
          <p class="slip-no">{sl('passNo', { id: s.passId })}</p>
          <dl class="slip-rows">
            {rows.map(([key, label, value]) => (
              <div key={key} data-slip-row={key}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <p class="slip-note">{sl('note')}</p>
        </article>
      )}
    </section>
  );
}

/** The QR from its modules (the hub's, as in the PDF): one path of unit squares and a 4-module quiet zone. */
function QrImage({ matrix, label, payload }: { matrix: string[]; label: string; payload: string }) {
  const n = matrix.length;
  let d = '';
  matrix.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) if (row[c] === '1') d += `M${c + 4} ${r + 4}h1v1h-1z`;
  });
  return (
    <svg
      class="slip-qr"
      viewBox={`0 0 ${n + 8} ${n + 8}`}
      role="img"
      aria-label={label}
      data-qr={payload}
      shape-rendering="crispEdges"
    >
      <rect width={n + 8} height={n + 8} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
