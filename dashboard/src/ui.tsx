import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messages } from './i18n.js';

/** Small shared pieces of the views: a loading line, an error box, a tile, a badge, the time now. */

const t = messages({
  en: { loading: 'Loading…', failed: 'Could not load: {why}', retry: 'Retry' },
  'zh-CN': { loading: '加载中…', failed: '加载失败：{why}', retry: '重试' },
});

export function Loading() {
  return <p class="placeholder">{t('loading')}</p>;
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const why =
    (error as { problem?: { detail?: string }; message?: string })?.problem?.detail ??
    (error as Error)?.message;
  return (
    <p class="form-error" role="alert">
      {t('failed', { why: why ?? String(error) })}{' '}
      {retry && (
        <button type="button" class="btn btn-small" onClick={retry}>
          {t('retry')}
        </button>
      )}
    </p>
  );
}

export function Tile(props: {
  label: string;
  value: ComponentChildren;
  sub?: ComponentChildren;
  href?: string;
  tone?: 'bad' | 'warn' | 'muted';
  name?: string;
}) {
  const body = (
    <>
      <span class="tile-label">{props.label}</span>
      <span class="tile-value">
        <b>{props.value}</b>
        {props.sub !== undefined && <small>{props.sub}</small>}
      </span>
    </>
  );
  const cls = `tile${props.tone ? ` tile-${props.tone}` : ''}`;
  return props.href ? (
    <a
      class={`${cls} tile-link`}
      href={props.href}
      data-tile={props.name}
      data-nonzero={props.tone ? 'true' : undefined}
    >
      {body}
    </a>
  ) : (
    <div class={cls} data-tile={props.name} data-nonzero={props.tone ? 'true' : undefined}>
      {body}
    </div>
  );
}

export function Badge({ tone, children }: { tone: string; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function Section({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="panel">
      <div class="section-head">
        <h2>{title}</h2>
        {actions && <div class="section-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** The time now, again every `everyMs` (every second: for "12 s ago", "next attempt in"). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
