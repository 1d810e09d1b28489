import { useState } from 'preact/hooks';
import { type ApiProblem, api, problemText } from '../hub.js';
import type { DeviceHealth } from '../hub-types.js';
import { href } from '../router.js';
import { t } from './devices-text.js';

/**
 * The Modbus decode preview (GET /devices/:id/modbus/preview, devices:diagnose): read a few registers now
 * and see them as every type in every word order, as the API returns them, to choose the point's dataType
 * and order. A Modbus exception (or a timeout, a closed link) is shown as the device's answer.
 */

type Table = 'holding' | 'input' | 'coil' | 'discrete';
const TABLES: Table[] = ['holding', 'input', 'coil', 'discrete'];
const ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

export interface PreviewResult {
  deviceId: string;
  table: Table;
  register: number;
  registers?: number[];
  hex?: string;
  decoded?: Record<string, Record<string, number | string>>;
  bits?: boolean[];
}

/** "52", "0x34": a whole number in range, or undefined. */
function parseWhole(text: string, min: number, max: number): number | undefined {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

export function ModbusPreview({ device }: { device: DeviceHealth }) {
  const [table, setTable] = useState<Table>('holding');
  const [register, setRegister] = useState('0');
  const [count, setCount] = useState('2');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PreviewResult>();
  const [error, setError] = useState<{ text: string; status?: number }>();

  const reg = parseWhole(register, 0, 65535);
  const cnt = parseWhole(count, 1, 125);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (reg === undefined || cnt === undefined || busy) return;
    setBusy(true);
    setError(undefined);
    const q = new URLSearchParams({ table, register: String(reg), count: String(cnt) });
    try {
      setResult(
        await api<PreviewResult>(`/devices/${encodeURIComponent(device.deviceId)}/modbus/preview?${q}`),
      );
    } catch (err) {
      setResult(undefined);
      setError({ text: problemText(err), status: (err as ApiProblem).status });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel dv-tool" data-preview={device.deviceId}>
      <div class="section-head">
        <h2>{t('previewOf', { device: device.name ?? device.deviceId })}</h2>
        <a class="btn btn-small" href={href('devices')} data-action="close">
          {t('close')}
        </a>
      </div>
      <p class="muted dv-hint">{t('previewHint')}</p>
      <form class="dv-form" data-preview-form onSubmit={submit}>
        <label>
          <span>{t('table')}</span>
          <select
            name="table"
            value={table}
            onChange={(e) => setTable((e.target as HTMLSelectElement).value as Table)}
          >
            {TABLES.map((tb) => (
              <option key={tb} value={tb}>
                {t(`table.${tb}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('register')}</span>
          <input
            name="register"
            inputMode="numeric"
            value={register}
            title={t('registerHint')}
            aria-invalid={reg === undefined ? 'true' : undefined}
            onInput={(e) => setRegister((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span>{t('count')}</span>
          <input
            name="count"
            type="number"
            min={1}
            max={125}
            value={count}
            aria-invalid={cnt === undefined ? 'true' : undefined}
            onInput={(e) => setCount((e.target as HTMLInputElement).value)}
          />
        </label>
        <button
          type="submit"
          class="btn btn-primary"
          data-action="read"
          disabled={busy || reg === undefined || cnt === undefined}
        >
          {busy ? t('reading') : t('read')}
        </button>
      </form>

      {error && (
        <div class="dv-fault" role="alert" data-preview-error data-status={error.status}>
          <b>{t(error.status === 502 ? 'previewFailed' : 'readFailed')}</b>
          <span>{error.text}</span>
        </div>
      )}
      {result && <PreviewResultView result={result} />}
    </section>
  );
}

function PreviewResultView({ result }: { result: PreviewResult }) {
  if (result.bits)
    return (
      <div class="dv-result" data-preview-result>
        <h3>{t('bits')}</h3>
        <div class="dv-table-wrap dv-raw">
          <table class="table dv-table">
            <thead>
              <tr>
                <th class="num">{t('address')}</th>
                <th>{t('value')}</th>
              </tr>
            </thead>
            <tbody>
              {result.bits.map((b, i) => (
                <tr key={result.register + i} data-address={result.register + i}>
                  <td class="num mono">{result.register + i}</td>
                  <td class="mono">{b ? '1' : '0'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    );
  const registers = result.registers ?? [];
  const decoded = Object.entries(result.decoded ?? {});
  return (
    <div class="dv-result" data-preview-result>
      <div>
        <h3>{t('rawRegisters')}</h3>
        <p class="mono dv-hex" data-hex>
          {result.hex}
        </p>
        <div class="dv-table-wrap dv-raw">
          <table class="table dv-table">
            <thead>
              <tr>
                <th class="num">{t('address')}</th>
                <th class="num">{t('hex')}</th>
                <th class="num">{t('decimal')}</th>
              </tr>
            </thead>
            <tbody>
              {registers.map((r, i) => (
                <tr key={result.register + i} data-address={result.register + i}>
                  <td class="num mono">{result.register + i}</td>
                  <td class="num mono">{r.toString(16).padStart(4, '0')}</td>
                  <td class="num mono">{r}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div>
        <h3>{t('decoded')}</h3>
        <div class="dv-table-wrap">
          <table class="table dv-table dv-decoded">
            <thead>
              <tr>
                <th>{t('type')}</th>
                {ORDERS.map((o) => (
                  <th key={o} class="mono">
                    {o}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {decoded.map(([type, row]) => (
                <tr key={type} data-decoded={type}>
                  <th class="mono">{type}</th>
                  {ORDERS.map((o) => (
                    <td key={o} class="mono" data-order={o}>
                      {row[o] === undefined ? (
                        <span class="muted">—</span>
                      ) : type === 'string' ? (
                        `"${row[o]}"`
                      ) : (
                        String(row[o])
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
