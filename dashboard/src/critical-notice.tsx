import { useState } from 'preact/hooks';
import { useHubEvent } from './hub.js';
import { fmtTime, messages, useLang } from './i18n.js';
import { href, useRoute } from './router.js';
import { beep } from './views/alerts-sound.js';

/**
 * A new critical alert, on every view but the alerts console (which has its own banner): a notice at the top
 * with a link to it, and the beep if the user turned sound on there. It goes when the alert is acknowledged,
 * shelved or cleared, or when dismissed.
 */

const t = messages({
  en: { title: 'New critical alert', open: 'Open', dismiss: 'Dismiss', more: '+{n} more' },
  'zh-CN': { title: '新的紧急报警', open: '查看', dismiss: '关闭', more: '另有 {n} 条' },
});

interface Raised {
  id: number;
  message: string;
  assetId: string;
  raisedAt: number | null;
}

export function CriticalNotice() {
  useLang();
  const route = useRoute();
  const [list, setList] = useState<Raised[]>([]);
  useHubEvent<{ event: string; alert?: Raised & { severity: string; state: string; active: boolean } }>(
    'alert',
    (e) => {
      const a = e?.alert;
      if (!a) return;
      if (e.event === 'raised' && a.severity === 'critical') {
        setList((l) => [a, ...l.filter((x) => x.id !== a.id)]);
        if (route.view !== 'alerts') beep(); // the console beeps for itself
      } else if (a.state !== 'unacked' || !a.active) setList((l) => l.filter((x) => x.id !== a.id));
    },
    [route.view],
  );
  useHubEvent('session', () => setList([]));
  const top = list[0];
  if (!top || route.view === 'alerts') return null;
  return (
    <div class="critical-notice" role="alert" data-critical-notice={top.id}>
      <strong>{t('title')}</strong>
      <span>
        {top.message} · {top.assetId} · {fmtTime(top.raisedAt)}
        {list.length > 1 && ` · ${t('more', { n: list.length - 1 })}`}
      </span>
      <a class="btn btn-small btn-primary" href={href('alerts', [top.id])} onClick={() => setList([])}>
        {t('open')}
      </a>
      <button type="button" class="btn btn-small" onClick={() => setList([])}>
        {t('dismiss')}
      </button>
    </div>
  );
}
