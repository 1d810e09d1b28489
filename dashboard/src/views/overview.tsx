import { useEffect, useRef, useState } from 'preact/hooks';
import { api, useHubEvent } from '../hub.js';
import { fmtNumber, messages } from '../i18n.js';
import type { Route } from '../router.js';
import { Tile } from '../ui.js';

/**
 * The overview's tiles: site power now (live) and today's energy against its baseline, active alerts by
 * severity, open tickets by state and SLA, people on site. Each links to its view; the device tiles and the
 * site tree below are the site page's.
 */

const t = messages({
  en: {
    power: 'Site power now',
    today: 'Electricity today',
    vsBaseline: '{pct} vs baseline',
    noBaseline: 'no baseline yet',
    alerts: 'Active alerts',
    unacked: '{n} unacknowledged',
    critical: 'Critical',
    high: 'High',
    tickets: 'Open tickets',
    breached: '{n} past SLA',
    people: 'People on site',
    visitors: '{n} visitors',
  },
  'zh-CN': {
    power: '当前总功率',
    today: '今日用电',
    vsBaseline: '较基线 {pct}',
    noBaseline: '尚无基线',
    alerts: '活动报警',
    unacked: '{n} 条未确认',
    critical: '紧急',
    high: '高',
    tickets: '未完成工单',
    breached: '{n} 单超时',
    people: '在场人数',
    visitors: '访客 {n} 人',
  },
});

interface EnergyNow {
  powerKw: number | null;
  powerPoints: { id: string; unit: string }[];
  today: {
    medium: string;
    unit: string;
    consumption: number | null;
    baseline: { deviationPct: number | null } | null;
  }[];
}
interface AlertCounts {
  counts: { critical: number; high: number; medium: number; low: number; total: number; unacked: number };
}
interface TicketList {
  tickets: { state: string; respondBreachedAt: number | null; resolveBreachedAt: number | null }[];
}

const KW: Record<string, number> = { W: 0.001, kW: 1, MW: 1000 };

export default function Overview(_: { route: Route }) {
  const [energy, setEnergy] = useState<EnergyNow>();
  const [alerts, setAlerts] = useState<AlertCounts['counts']>();
  const [tickets, setTickets] = useState<TicketList['tickets']>();
  const [people, setPeople] = useState<{ visitors: number; staff: number }>();
  const power = useRef(new Map<string, number>());
  const [powerKw, setPowerKw] = useState<number | null>(null);

  const loadEnergy = () =>
    api<EnergyNow>('/energy/now').then(
      (e) => {
        setEnergy(e);
        setPowerKw(e.powerKw);
      },
      () => undefined,
    );
  const loadAlerts = () =>
    api<AlertCounts>('/alerts?active=true&limit=1').then(
      (a) => setAlerts(a.counts),
      () => undefined,
    );
  const loadTickets = () =>
    api<TicketList>('/tickets?open=true&limit=500').then(
      (l) => setTickets(l.tickets),
      () => undefined,
    );
  const loadPeople = () =>
    api<{ visitors: number; staff: number }>('/gates/occupancy').then(setPeople, () => undefined);

  useEffect(() => {
    void loadEnergy();
    void loadAlerts();
    void loadTickets();
    void loadPeople();
    const timer = setInterval(loadEnergy, 60_000);
    return () => clearInterval(timer);
  }, []);
  useHubEvent('alert', () => void loadAlerts());
  useHubEvent('ticket', () => void loadTickets());
  useHubEvent('gate', () => void loadPeople());
  useHubEvent<{ pointId: string; value: unknown }[]>(
    'values',
    (batch) => {
      if (!energy?.powerPoints.length) return;
      let changed = false;
      for (const v of batch) {
        const p = energy.powerPoints.find((x) => x.id === v.pointId);
        if (p && typeof v.value === 'number') {
          power.current.set(p.id, v.value * (KW[p.unit] ?? 1));
          changed = true;
        }
      }
      if (changed && power.current.size) setPowerKw([...power.current.values()].reduce((a, b) => a + b, 0));
    },
    [energy],
  );

  const elec = energy?.today.find((x) => x.medium === 'electricity');
  const dev = elec?.baseline?.deviationPct;
  const open = tickets?.length;
  const breached = tickets?.filter((x) => x.respondBreachedAt || x.resolveBreachedAt).length ?? 0;
  return (
    <section class="summary overview" aria-label="overview" data-view-id="overview">
      <Tile
        name="power"
        label={t('power')}
        value={<span data-live="power">{fmtNumber(powerKw, 1)}</span>}
        sub="kW"
        href="#/energy"
      />
      <Tile
        name="energy-today"
        label={t('today')}
        value={fmtNumber(elec?.consumption, 0)}
        sub={`kWh · ${dev === null || dev === undefined ? t('noBaseline') : t('vsBaseline', { pct: `${dev > 0 ? '+' : ''}${fmtNumber(dev, 1)} %` })}`}
        href="#/energy"
      />
      <Tile
        name="alerts"
        label={t('alerts')}
        value={alerts?.total ?? '—'}
        sub={
          alerts
            ? `${t('critical')} ${alerts.critical} · ${t('high')} ${alerts.high} · ${t('unacked', { n: alerts.unacked })}`
            : undefined
        }
        tone={alerts?.critical ? 'bad' : alerts?.total ? 'warn' : undefined}
        href="#/alerts"
      />
      <Tile
        name="tickets"
        label={t('tickets')}
        value={open ?? '—'}
        sub={t('breached', { n: breached })}
        tone={breached ? 'warn' : undefined}
        href="#/tickets"
      />
      <Tile
        name="people"
        label={t('people')}
        value={people ? people.visitors + people.staff : '—'}
        sub={people ? t('visitors', { n: people.visitors }) : undefined}
        href="#/visitors"
      />
    </section>
  );
}
