import type { Clock } from '../../core/clock.js';
import type { Outcome } from './delivery.js';

/**
 * One HTTP exchange with a vendor API (WeCom, DingTalk, Feishu, SMS clouds): the network, the timeout and
 * the HTTP status are judged here the same way for every vendor; the vendor's own JSON error codes are the
 * transport's to judge. Redirects are not followed (a token in the URL must not travel elsewhere).
 */

export type VendorReply =
  | { kind: 'reply'; status: number; json: unknown; text: string }
  /** Not worth reading: network error, timeout, stopped, 408/429/5xx. */
  | { kind: 'failed'; outcome: Outcome & { ok: false } };

export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export async function callVendor(
  fetchFn: typeof fetch,
  req: VendorRequest,
  opts: { timeoutMs: number; signal: AbortSignal; clock: Clock },
): Promise<VendorReply> {
  try {
    const res = await fetchFn(req.url, {
      method: req.method,
      headers: { 'user-agent': 'facility-hub', ...req.headers },
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), opts.signal]),
    });
    const text = await res.text();
    const s = res.status;
    if (s === 408 || s === 429 || s >= 500) {
      const retryAfterMs =
        s === 429 || s === 503 ? parseRetryAfter(res.headers.get('retry-after'), opts.clock) : undefined;
      return { kind: 'failed', outcome: { ok: false, error: `HTTP ${s}`, retryable: true, retryAfterMs } };
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { kind: 'reply', status: s, json, text };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError') {
      return {
        kind: 'failed',
        outcome: { ok: false, error: `timeout after ${opts.timeoutMs} ms`, retryable: true },
      };
    }
    if (opts.signal.aborted)
      return { kind: 'failed', outcome: { ok: false, error: 'stopped', retryable: false } };
    const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
    return { kind: 'failed', outcome: { ok: false, error: `network error: ${detail}`, retryable: true } };
  }
}

/** A reply that is not the vendor's JSON (a proxy's page, a wrong URL): final unless a 2xx. */
export function notVendorJson(status: number, text: string): Outcome & { ok: false } {
  return { ok: false, error: `HTTP ${status}: ${oneLine(text, 120) || 'not JSON'}`, retryable: false };
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
}

/** A base URL and path for logs: no credentials, query or fragment (tokens live there). */
export function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** `base` without a trailing slash + `path`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
