import { z } from 'zod';
import { idSchema, positiveMs } from '../../core/config/zod-helpers.js';
import { SPARKPLUG_ID } from '../../core/sparkplug/sparkplug-topic.js';

const topicError = 'expected an MQTT topic without wildcards, e.g. site/hq/b1-env/telemetry';
export const topicSchema = z
  .string({ error: topicError })
  .regex(/^[^#+$\s][^#+\s]{0,254}$/, { error: topicError });

const sparkplugIdError = 'expected a Sparkplug id: no "/", "+" or "#", at most 128 characters';
const sparkplugId = z
  .string({ error: sparkplugIdError })
  .max(128, { error: sparkplugIdError })
  .regex(SPARKPLUG_ID, { error: sparkplugIdError });

/** A Sparkplug B edge node (a PLC, a gateway) that publishes `spBv1.0/<groupId>/…/<edgeNodeId>` on the site's broker. */
export const SparkplugNodeSchema = z.strictObject({
  groupId: sparkplugId,
  edgeNodeId: sparkplugId,
  /** Rebirth requests (NCMD Node Control/Rebirth) to this node at most this often. */
  rebirthHoldoffMs: positiveMs().default(5_000),
  /**
   * The Primary Host ID the node is configured with (it births only while that host is online): the hub then
   * publishes `spBv1.0/STATE/<primaryHostId>` as that host, retained, online while it is connected to the broker.
   */
  primaryHostId: sparkplugId.optional(),
});

/** An MQTT device: one client (sensor, gate controller) that publishes the topics of its points. */
export const MqttDeviceSchema = z.strictObject({
  id: idSchema,
  protocol: z.literal('mqtt'),
  name: z.string().optional(),
  /** The client id it connects with to the embedded broker; lets the hub see it disconnect at once. */
  clientId: z.string().min(1).optional(),
  /** Offline after this much silence; default 3× the slowest interval of its points. */
  offlineAfterMs: positiveMs().optional(),
  /** A Sparkplug B edge node: births define its metrics, points name them (`metric`). */
  sparkplug: SparkplugNodeSchema.optional(),
});

export type MqttDevice = z.infer<typeof MqttDeviceSchema>;

/** Point fields read from an MQTT message. */
export const mqttPointShape = {
  /** Default: site/<site>/<asset>/telemetry */
  topic: topicSchema.optional(),
  /** Dotted path into the JSON object; default the point name; `$` is the whole payload. */
  path: z
    .string({ error: 'expected a dotted JSON path such as values.temp_c, or $' })
    .regex(/^(\$|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$/, {
      error: 'expected a dotted JSON path such as values.temp_c, or $',
    })
    .optional(),
  /** Command points: where a write is published. */
  commandTopic: topicSchema.optional(),
  /** Sparkplug devices: the metric's name as its births give it, e.g. Inputs/Temperature. */
  metric: z.string({ error: 'expected a Sparkplug metric name' }).min(1).max(512).optional(),
  /** Sparkplug devices: the Sparkplug device (DBIRTH/DDATA) that carries the metric; without it, the node. */
  sparkplugDevice: sparkplugId.optional(),
};

export interface MqttPointSource {
  topic?: string;
  path?: string;
  commandTopic?: string;
  metric?: string;
  sparkplugDevice?: string;
}

export function defaultTopic(siteId: string, assetId: string): string {
  return `site/${siteId}/${assetId}/telemetry`;
}

export function statusTopic(siteId: string, assetId: string): string {
  return `site/${siteId}/${assetId}/status`;
}

/** Where a write to a command point is published. */
export function commandTopicOf(siteId: string, assetId: string, src: MqttPointSource): string {
  return src.commandTopic ?? `site/${siteId}/${assetId}/command`;
}
