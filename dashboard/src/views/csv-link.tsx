import { messages, useLang } from '../i18n.js';

/** A download link for one of the hub's CSV exports (the session cookie goes along; GET needs no CSRF). */

const t = messages({
  en: { csv: 'Download CSV', hint: 'A spreadsheet of these rows (at most 10,000)' },
  'zh-CN': { csv: '下载 CSV', hint: '导出为表格（最多 10,000 行）' },
});

export function CsvLink({
  path,
  query,
  name,
}: {
  path: string;
  query?: Record<string, string>;
  name: string;
}) {
  useLang();
  const q = query && Object.keys(query).length ? `?${new URLSearchParams(query)}` : '';
  return (
    <a class="btn btn-small" href={`/api/v1${path}${q}`} download={name} title={t('hint')} data-csv={name}>
      ⤓ {t('csv')}
    </a>
  );
}
