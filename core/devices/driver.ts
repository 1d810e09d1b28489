import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DeviceConfig, SiteConfig } from '../config/site-schema.js';
import type { Logger } from '../logger.js';
import type { PointValue, RawReading } from '../model/reading.js';
import type { SiteModel } from '../model/site-model.js';
import type { BackoffOptions } from './backoff.js';

export type AdapterErrorCode = 'timeout' | 'refused' | 'protocol' | 'bad-config' | 'exception' | 'closed';

/** Every adapter failure carries a code, so the supervisor decides retry, backoff and breaker in one place. */
export class AdapterError extends Error {
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterError';
  }

  static from(err: unknown, fallback: AdapterErrorCode = 'protocol'): AdapterError {
    if (err instanceof AdapterError) return err;
    const e = err as NodeJS.ErrnoException;
    const code: AdapterErrorCode =
      e?.code === 'ECONNREFUSED'
        ? 'refused'
        : e?.code === 'ETIMEDOUT'
          ? 'timeout'
          : e?.code === 'ECONNRESET' || e?.code === 'EPIPE'
            ? 'closed'
            : fallback;
    return new AdapterError(code, e?.message ?? String(err), { cause: err });
  }
}

/** What an adapter may tell the supervisor about the devices behind its link. */
export interface DeviceReporter {
  /** The device sent `count` good readings just now. */
  seen(deviceId: string, count: number): void;
  /** The device is unreachable or said goodbye (the link itself may still be up). */
  lost(deviceId: string, reason: string): void;
  /** A message that could not be used; counted per device and topic, logged once per burst. */
  malformed(deviceId: string | undefined, topic: string, reason: string, sample: string): void;
  /**
   * Something a device (or a client claiming to be one) was not allowed to do: log in, publish or subscribe
   * to a topic. Counted per device and kind, logged once per burst.
   */
  denied(deviceId: string | undefined, kind: DenialKind, detail: string): void;
}

export type DenialKind = 'login' | 'publish' | 'subscribe';

/** Checks device secrets without telling the adapter where they are kept. */
export interface DeviceCredentials {
  verify(deviceId: string, secret: string): boolean;
  /** Called with a device whose credentials were issued again or revoked: its open session must end. */
  onChange(listener: (deviceId: string) => void): () => void;
}

/**
 * A message on a device's channel that is not a reading: a gate controller's scan, door event, passage or
 * offline sync (`site/<site>/<asset>/<channel>` over MQTT). The supervisor puts it on the bus as
 * `device.message`; the domain that owns the channel (domains/visitors for gates) decodes it.
 */
export interface DeviceMessage {
  deviceId: string;
  assetId: string;
  channel: string;
  payload: Buffer;
  /** When the hub received it (ms UTC). */
  ts: number;
}

export interface AdapterContext {
  log: Logger;
  clock: Clock;
  /** Aborted when the link is closed for good. */
  signal: AbortSignal;
  /** Hand raw readings to the pipeline; never throws. */
  publish(readings: RawReading[]): void;
  /** These points cannot be read now (an exception, a device not answering): bad with the reason. */
  pointsBad(pointIds: readonly string[], reason: string): void;
  /** The connection dropped after connect() succeeded; the supervisor reconnects with backoff. */
  linkLost(error: AdapterError): void;
  devices: DeviceReporter;
  credentials: DeviceCredentials;
  /** A message on a device channel (see DeviceMessage); never throws. */
  message(m: DeviceMessage): void;
}

export interface Adapter {
  /** Open the link; throws an AdapterError. Called again by the supervisor after close() on reconnect. */
  connect(): Promise<void>;
  write(pointId: string, value: PointValue): Promise<void>;
  close(): Promise<void>;
  /** Protocol-specific figures for health (queue lag, subscriptions). */
  stats?(): Record<string, number | string | boolean>;
  /**
   * Send a message on an asset's outbound channel (a gate's `decision` or `allowlist`); `retain` keeps it for a
   * device that connects later. Throws an AdapterError when the link cannot send now.
   */
  send?(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** Diagnostics: read raw data from one device now (the Modbus decode preview). */
  inspect?(deviceId: string, request: Record<string, unknown>): Promise<unknown>;
}

/** One connection the supervisor owns, and the devices it serves. */
export interface LinkPlan {
  linkId: string;
  protocol: string;
  devices: DeviceConfig[];
}

export interface AdapterFactory {
  protocol: string;
  /** Strict schema of a device of this protocol in the site file. */
  deviceSchema: z.ZodObject;
  /** Extra point fields this protocol reads (topic, register, nodeId ...), merged into the point schema. */
  pointShape: z.ZodRawShape;
  /** Cross-checks that need the whole file (e.g. the broker URL an external MQTT device needs). */
  checkSite?(config: SiteConfig, site: SiteModel): { path: PropertyKey[]; message: string }[];
  /** Reconnect delays, when this protocol needs others than the supervisor's default. */
  backoff?: BackoffOptions;
  /** How this protocol's devices share connections. */
  links(site: SiteModel): LinkPlan[];
  create(link: LinkPlan, site: SiteModel, ctx: AdapterContext): Adapter;
}
