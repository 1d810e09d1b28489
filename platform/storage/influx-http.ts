/** What InfluxDB said to a write. */
export type WriteResult =
  | { ok: true }
  | { ok: false; status: number; error: string; retry: boolean; missingDatabase: boolean };

export interface InfluxConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

/**
 * Writes of line protocol to InfluxDB 1.x `/write`, with millisecond precision. The `influx` client's
 * writePoints would encode each point again from objects; the outbox already holds the lines, so they are
 * posted as they are.
 */
export class InfluxHttp {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;

  constructor(
    conn: InfluxConnection,
    private readonly timeoutMs = 30_000,
  ) {
    const url = new URL('/write', conn.url);
    url.searchParams.set('db', conn.database);
    url.searchParams.set('precision', 'ms');
    this.endpoint = url.href;
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (conn.username)
      this.headers.authorization = `Basic ${Buffer.from(`${conn.username}:${conn.password ?? ''}`).toString('base64')}`;
  }

  /** Abort a write in flight (on stop: a stalled InfluxDB must not hold the hub's shutdown). */
  private readonly stopping = new AbortController();

  abort(): void {
    this.stopping.abort();
  }

  async write(lines: readonly string[], retentionPolicy: string): Promise<WriteResult> {
    let res: Response;
    try {
      res = await fetch(`${this.endpoint}&rp=${encodeURIComponent(retentionPolicy)}`, {
        method: 'POST',
        headers: this.headers,
        body: lines.join('\n'),
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e.cause?.code ?? e.message);
      return { ok: false, status: 0, error: reason, retry: true, missingDatabase: false };
    }
    if (res.status === 204) {
      await res.body?.cancel();
      return { ok: true };
    }
    const text = await res.text().catch(() => '');
    let error = text;
    try {
      error = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON
    }
    const missingDatabase = res.status === 404 && /database not found/.test(error);
    // 4xx: the lines themselves are wrong (a type conflict, a line that does not parse): sending them
    // again will not help. 5xx, 429 and a missing database may pass.
    const retry = res.status >= 500 || res.status === 429 || missingDatabase;
    return { ok: false, status: res.status, error: `${res.status} ${error}`.trim(), retry, missingDatabase };
  }
}
