import { useEffect, useState } from 'preact/hooks';
import { api, can, useApi } from '../hub.js';
import { fmtDateTime, useLang } from '../i18n.js';
import { Badge, ErrorBox, Loading, Section } from '../ui.js';
import { type ChannelHealth, DELIVERY_STATES, type DeliveryRow, type DeliveryState } from './people-model.js';
import type { PeopleSection } from './people-sections.js';
import { eventName, type PeopleTextKey, pt } from './people-text.js';

const TONE: Record<DeliveryState, string> = {
  held: 'info',
  queued: 'warn',
  sent: 'good',
  failed: 'bad',
  dropped: 'bad',
  unreachable: 'bad',
};
const TOPICS = ['alert', 'ticket', 'visitor'] as const;

interface Filter {
  state: string;
  channel: string;
  recipient: string;
  topic: string;
}

const kindName = (k: string | null | undefined) => (k ? pt(`ch-${k}` as PeopleTextKey) : '');

function HealthCards() {
  useLang();
  const { data, error, reload } = useApi<ChannelHealth>('/notifications/channels');
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data) return <Loading />;
  const unreachable = Object.entries(data.unreachable);
  return (
    <Section title={pt('healthTitle')}>
      <p class="muted">{pt('healthHint')}</p>
      {data.channels.length === 0 && <p class="placeholder">{pt('noChannels')}</p>}
      <div class="pp-cards">
        {data.channels.map((c) => {
          const tone = c.failed > 0 ? (c.sent === 0 ? 'bad' : 'warn') : 'good';
          return (
            <div class={`pp-card pp-card-${tone}`} key={c.id} data-channel={c.id} data-tone={tone}>
              <div class="pp-card-head">
                <b>{c.id}</b>
                <span class="muted">
                  {c.type}
                  {c.kinds.length > 0 && ` · ${c.kinds.map(kindName).join(', ')}`}
                </span>
              </div>
              <div class="pp-counts">
                <span data-count="sent">
                  <b>{c.sent}</b> {pt('sent')}
                </span>
                <span data-count="failed" class={c.failed ? 'bad' : undefined}>
                  <b>{c.failed}</b> {pt('failed')}
                </span>
                <span data-count="retried">
                  <b>{c.retried}</b> {pt('retried')}
                </span>
                <span data-count="queued">
                  <b>{c.queued}</b> {pt('queued')}
                </span>
              </div>
              {c.lastError && <p class="pp-why">{pt('lastError', { error: c.lastError })}</p>}
              {c.lastSuccessAt && <p class="muted">{pt('lastOk', { time: fmtDateTime(c.lastSuccessAt) })}</p>}
            </div>
          );
        })}
      </div>
      {unreachable.length > 0 && (
        <div class="pp-unreachable" data-unreachable>
          <h3>{pt('unreachableTitle')}</h3>
          <ul>
            {unreachable.map(([key, n]) => {
              const [person, kind] = key.split(':');
              return (
                <li key={key}>
                  {pt('unreachableRow', {
                    person: person ?? key,
                    kind: pt(`kind-${kind}` as PeopleTextKey),
                    n,
                  })}
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </Section>
  );
}

function queryOf(f: Filter, before?: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v.trim()) q.set(k, v.trim());
  q.set('limit', '50');
  if (before) q.set('before', before);
  return q.toString();
}

function DeliveryLog() {
  useLang();
  const [form, setForm] = useState<Filter>({ state: '', channel: '', recipient: '', topic: '' });
  const [applied, setApplied] = useState(form);
  const [rows, setRows] = useState<DeliveryRow[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<unknown>();
  const load = (f: Filter, before?: string) =>
    api<{ items: DeliveryRow[]; next?: string }>(`/notifications/deliveries?${queryOf(f, before)}`).then(
      (page) => {
        setRows((old) => (before ? [...(old ?? []), ...page.items] : page.items));
        setNext(page.next);
        setError(undefined);
      },
      setError,
    );
  useEffect(() => {
    void load(applied);
  }, [applied]);

  const sel = (key: keyof Filter, options: readonly string[], label: (v: string) => string) => (
    <label class="pp-filter">
      <span>{pt(`filter${key[0]!.toUpperCase()}${key.slice(1)}` as PeopleTextKey)}</span>
      <select
        name={key}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: (e.target as HTMLSelectElement).value })}
      >
        <option value="">{pt('any')}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {label(o)}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <Section title={pt('logTitle')}>
      <form
        class="pp-filters"
        data-form="deliveries"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...form });
        }}
      >
        {sel('state', DELIVERY_STATES, (s) => pt(`state-${s}` as PeopleTextKey))}
        {sel('topic', TOPICS, (s) => pt(`topic-${s}` as PeopleTextKey))}
        <label class="pp-filter">
          <span>{pt('filterChannel')}</span>
          <input
            name="channel"
            value={form.channel}
            placeholder="wecom / mail"
            onInput={(e) => setForm({ ...form, channel: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label class="pp-filter">
          <span>{pt('filterRecipient')}</span>
          <input
            name="recipient"
            value={form.recipient}
            onInput={(e) => setForm({ ...form, recipient: (e.target as HTMLInputElement).value })}
          />
        </label>
        <button type="submit" class="btn btn-small" data-submit="deliveries">
          {pt('apply')}
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} retry={() => void load(applied)} />}
      {!rows && error === undefined && <Loading />}
      {rows && rows.length === 0 && <p class="placeholder">{pt('empty')}</p>}
      {rows && rows.length > 0 && (
        <div class="table-wrap">
          <table class="table pp-log">
            <thead>
              <tr>
                <th>{pt('time')}</th>
                <th>{pt('state')}</th>
                <th>{pt('recipient')}</th>
                <th>{pt('channel')}</th>
                <th>{pt('what')}</th>
                <th class="num">{pt('attempts')}</th>
                <th>{pt('why')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-delivery={r.id} data-state={r.state}>
                  <td data-label={pt('time')}>{fmtDateTime(r.createdAt)}</td>
                  <td data-label={pt('state')}>
                    <Badge tone={TONE[r.state]}>{pt(`state-${r.state}` as PeopleTextKey)}</Badge>
                    {r.state === 'held' && r.releaseAt && (
                      <span class="muted pp-sub"> {pt('heldUntil', { time: fmtDateTime(r.releaseAt) })}</span>
                    )}
                  </td>
                  <td data-label={pt('recipient')}>
                    {r.recipient ?? <span class="muted">{pt('everyone')}</span>}
                  </td>
                  <td data-label={pt('channel')}>
                    {r.channelKind ? kindName(r.channelKind) : r.channel}
                    {r.actionId && <span class="muted pp-sub"> {r.actionId}</span>}
                  </td>
                  <td data-label={pt('what')}>
                    <span class="pp-event">
                      {pt(`topic-${r.topic}` as PeopleTextKey)} {eventName(r.event)}
                      {r.subjectId ? ` #${r.subjectId}` : ''}
                    </span>
                    {r.summary && <span class="pp-sub muted">{r.summary}</span>}
                  </td>
                  <td class="num" data-label={pt('attempts')}>
                    {r.attempts}
                  </td>
                  <td data-label={pt('why')} class="pp-why">
                    {r.error ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" class="btn btn-small" data-more onClick={() => void load(applied, next)}>
          {pt('more')}
        </button>
      )}
    </Section>
  );
}

function DeliveriesSection() {
  return (
    <>
      <HealthCards />
      <DeliveryLog />
    </>
  );
}

export const peopleDeliveriesSection: PeopleSection = {
  id: 'deliveries',
  label: () => pt('tab-deliveries'),
  View: DeliveriesSection,
  visible: () => can('notify:read'),
};
