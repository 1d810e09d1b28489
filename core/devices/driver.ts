import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DeviceConfig, SiteConfig } from '../config/site-schema.js';
import type { Logger } from '../logger.js';
import type { PointValue, RawReading } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import type { BackoffOptions } from './backoff.js';

/**
 * The device framework's contract (the EdgeX device-SDK idea). A driver speaks its protocol and nothing else:
 * it opens and closes one link, reads a planned set of points when asked, reports pushed values, writes a raw
 * value and sends a message. The framework (supervisor, poll scheduler, push watch, pipeline, command service)
 * owns everything a second protocol would otherwise copy: schedules with phase offsets and overrun counts,
 * per-device breakers and probes, link backoff, batching, heartbeats and the silence watch, staleness, device
 * state, and the one transform per point (forward on readings, inverted on writes).
 */

export type DriverErrorCode = 'timeout' | 'refused' | 'protocol' | 'bad-config' | 'exception' | 'closed';

/**
 * Every driver failure carries a code, so the framework decides in one place: `closed` means the link is gone
 * (reconnect), `timeout` that a device did not answer (its breaker counts it), the others that it answered
 * wrongly.
 */
export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DriverError';
  }

  static from(err: unknown, fallback: DriverErrorCode = 'protocol'): DriverError {
    if (err instanceof DriverError) return err;
    const e = err as NodeJS.ErrnoException;
    const code: DriverErrorCode =
      e?.code === 'ECONNREFUSED'
        ? 'refused'
        : e?.code === 'ETIMEDOUT'
          ? 'timeout'
          : e?.code === 'ECONNRESET' || e?.code === 'EPIPE'
            ? 'closed'
            : fallback;
    return new DriverError(code, e?.message ?? String(err), { cause: err });
  }
}

/** A point as the framework hands it to its driver. */
export interface DriverPoint {
  point: PointDef;
  /** The point's deadband in the device's raw units (for servers that filter changes themselves). */
  deadbandRaw: number;
}

/** What a read of one device's planned points brought back. */
export interface ReadOutcome {
  /** Raw values (before the transform); quality good unless the device qualified them. */
  values: RawReading[];
  /** Points the device refused (an exception, an unknown object): bad with the reason. The device answered. */
  failed?: { pointIds: readonly string[]; reason: string }[];
}

/** Where a driver hands what its devices push. One per subscription; dead once the link is lost or closed. */
export interface PushSink {
  /** Values one device reported (raw, before the transform). */
  values(deviceId: string, values: RawReading[]): void;
  /** The subscription showed life without data (a keep-alive, an acknowledged renewal). */
  alive(): void;
  /** The device reports these points bad, or stopped serving them. */
  bad(pointIds: readonly string[], reason: string): void;
}

export interface SubscribeResult {
  /** The subscription confirms itself at least this often: silent for 2× (plus a grace) its points turn uncertain, 4× the link is lost. */
  keepAliveMs?: number;
  /** Points the device would not subscribe, to be polled instead (a BACnet device without COV). */
  pollInstead?: readonly string[];
  /** Points the device refused outright: bad with the reason. */
  refused?: { pointIds: readonly string[]; reason: string }[];
}

/** How often a polled device is read, and what a read that gets no answer costs. */
export interface PollSettings {
  intervalMs: number;
  /** One request's timeout; with the retries, what a probe of a silent device costs on a shared link. */
  timeoutMs: number;
  retries: number;
  /** Polls in a row without an answer that open the device's breaker (then it is probed on a backoff). */
  breakerFailures: number;
}

export interface Driver<Plan = unknown> {
  /** Open the link; throws a DriverError. Called again after close() on reconnect. */
  connect(): Promise<void>;
  close(): Promise<void>;
  /** The requests that read these points of one device (coalesced, chunked: the protocol's business). */
  plan?(device: DeviceConfig, points: readonly DriverPoint[]): Plan;
  /** Read one device's planned points now. Throws DriverError `timeout` when it does not answer, `closed` when the link broke. */
  read?(plan: Plan): Promise<ReadOutcome>;
  /** Start pushing these points' values into the sink (after each connect). */
  subscribe?(points: readonly DriverPoint[], sink: PushSink): Promise<SubscribeResult>;
  /**
   * Write a raw value (the framework inverted the transform) at a priority, 1 (highest) … 16: a device with a
   * priority array (BACnet) keeps it at that level, others ignore it. `null` relinquishes the level (a device
   * without a priority array refuses it, `bad-config`). Returns the value read back when the device confirms
   * it, to be passed on as a reading.
   */
  write(point: PointDef, raw: PointValue | null, priority: number): Promise<RawReading | undefined>;
  /** A message on an asset's outbound channel (a gate's decision or allow-list); `retain` keeps it for later. */
  send?(assetId: string, channel: string, payload: string, opts?: { retain?: boolean }): Promise<void>;
  /** Diagnostics, read-only: raw data of one device (the Modbus decode preview, an OPC UA browse). */
  browse?(deviceId: string, request: Record<string, unknown>): Promise<unknown>;
  /** Diagnostics, read-only: find devices on the network (BACnet Who-Is). */
  discover?(request: Record<string, unknown>): Promise<unknown>;
  /** Protocol figures for health (queue lag, subscriptions). */
  stats?(): Record<string, number | string | boolean>;
}

/** What a driver may tell the framework besides values. */
export interface DriverContext {
  log: Logger;
  clock: Clock;
  /** Aborted when the link is closed for good. */
  signal: AbortSignal;
  /** The connection dropped after connect() succeeded; the framework reconnects with backoff. */
  linkLost(error: DriverError): void;
  devices: DeviceReporter;
  credentials: DeviceCredentials;
  /** A message on a device channel (see DeviceMessage); never throws. */
  message(m: DeviceMessage): void;
}

/** What a driver may tell about the devices behind its link (values count as seen by themselves). */
export interface DeviceReporter {
  /** The device is alive though it sent no reading (a gate's scan). */
  seen(deviceId: string): void;
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

/** Checks device secrets without telling the driver where they are kept. */
export interface DeviceCredentials {
  verify(deviceId: string, secret: string): boolean;
  /** Called with a device whose credentials were issued again or revoked: its open session must end. */
  onChange(listener: (deviceId: string) => void): () => void;
}

/**
 * A message on a device's channel that is not a reading: a gate controller's scan, door event, passage or
 * offline sync (`site/<site>/<asset>/<channel>` over MQTT). It goes on the bus as `device.message`; the domain
 * that owns the channel (domains/visitors for gates) decodes it.
 */
export interface DeviceMessage {
  deviceId: string;
  assetId: string;
  channel: string;
  payload: Buffer;
  /** When the hub received it (ms UTC). */
  ts: number;
}

/** Whether this factory's point reports changes only (see DriverFactory.changesOnly). */
export function reportsChangesOnly(factory: Pick<DriverFactory, 'changesOnly'>, point: PointDef): boolean {
  const c = factory.changesOnly;
  return typeof c === 'function' ? c(point) : c === true;
}

/** One connection the framework owns, and the devices it serves. */
export interface LinkPlan {
  linkId: string;
  protocol: string;
  devices: DeviceConfig[];
}

/** A device's own scaling of a point's raw value (a Modbus profile's scale and unit), before the point's. */
export interface SourceScaling {
  scale?: number;
  unit?: string;
}

export interface DriverFactory {
  protocol: string;
  /** Strict schema of a device of this protocol in the site file. */
  deviceSchema: z.ZodObject;
  /** Extra point fields this protocol reads (topic, register, nodeId ...), merged into the point schema. */
  pointShape: z.ZodRawShape;
  /** Cross-checks that need the whole file (e.g. the broker URL an external MQTT device needs). */
  checkSite?(config: SiteConfig, site: SiteModel): { path: PropertyKey[]; message: string }[];
  /** Reconnect delays, when this protocol needs others than the framework's default. */
  backoff?: BackoffOptions;
  /** How this protocol's devices share connections. */
  links(site: SiteModel): LinkPlan[];
  /** Whether a point's values are pushed (subscribed) rather than polled; default: polled. */
  pushed?(point: PointDef): boolean;
  /**
   * The devices push changes only (OPC UA, BACnet COV): while a subscription lives, the framework passes each
   * steady value on once per interval (staleness keeps one meaning for every protocol), and a lost link turns
   * its points bad at once. A predicate when only some points of the protocol report changes only (Sparkplug B
   * metrics on an MQTT link beside JSON topics).
   */
  changesOnly?: boolean | ((point: PointDef) => boolean);
  /** How often and how patiently a device with polled points is read. */
  polling?(device: DeviceConfig): PollSettings;
  /** How logs and health name a device ("unit 2" on a Modbus line); default: its id. */
  label?(device: DeviceConfig): string;
  /** The devices' own scaling of points' raw values, resolved once per site. */
  sourceScaling?(site: SiteModel): ReadonlyMap<string, SourceScaling>;
  create(link: LinkPlan, site: SiteModel, ctx: DriverContext): Driver;
}
