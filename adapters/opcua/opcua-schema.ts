import { z } from 'zod';
import { idSchema, intIn, positiveMs } from '../../core/config/zod-helpers.js';
import { parseNodeAddress } from './node-address.js';

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
/** Current policies only: the SHA-1 and PKCS#1 v1.5 ones (Basic128Rsa15, Basic256) are deprecated by the spec. */
export const SECURITY_POLICIES = [
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
] as const;
export type SecurityMode = (typeof SECURITY_MODES)[number];
export type SecurityPolicyName = (typeof SECURITY_POLICIES)[number];

const nodeIdSchema = z.string({ error: 'expected a node id' }).superRefine((text, ctx) => {
  const parsed = parseNodeAddress(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

export const OpcuaDeviceSchema = z
  .strictObject({
    id: idSchema,
    protocol: z.literal('opcua'),
    name: z.string().optional(),
    /** The server's endpoint URL. */
    endpoint: z
      .string({ error: 'expected an endpoint URL such as opc.tcp://plc.local:4840' })
      .regex(/^opc\.tcp:\/\/[^/:\s]+:\d{1,5}(\/\S*)?$/, {
        error: 'expected an endpoint URL such as opc.tcp://plc.local:4840',
      }),
    securityMode: z.enum(SECURITY_MODES).default('None'),
    securityPolicy: z.enum(SECURITY_POLICIES).default('None'),
    /** User name login; the password comes from the environment variable passwordEnv names, never the file. */
    username: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, {
        error: 'expected an environment variable name, e.g. HUB_OPCUA_BMS_PASSWORD',
      })
      .optional(),
    /** A point without its own nodeId gets this, with {asset}, {point} and {device} filled in. */
    nodeIdTemplate: z.string().min(1).optional(),
    /** How often the server sends what changed. */
    publishingIntervalMs: intIn(50, 600_000).default(1000),
    /** Default sampling interval of a monitored item (a point may set its own). */
    samplingIntervalMs: intIn(0, 600_000).default(1000),
    /** Default queue of a monitored item: changes kept between two publishes. */
    queueSize: intIn(1, 10_000).default(10),
    /**
     * A point's value is passed on at least this often while the subscription is alive, even when it does
     * not change (subscriptions report changes only); read-mode points are read this often.
     */
    intervalMs: positiveMs().default(10_000),
    /** One request's answer time (connect, read, write, browse). */
    timeoutMs: positiveMs().default(5_000),
    /** The server drops a session not heard from in this long. */
    sessionTimeoutMs: positiveMs().default(60_000),
    offlineAfterMs: positiveMs().optional(),
  })
  .superRefine((d, ctx) => {
    if ((d.securityMode === 'None') !== (d.securityPolicy === 'None'))
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message:
          d.securityMode === 'None'
            ? 'expected None with securityMode None'
            : `expected a policy for securityMode ${d.securityMode}: ${SECURITY_POLICIES.slice(1).join(', ')}`,
      });
    if (!!d.username !== !!d.passwordEnv)
      ctx.addIssue({
        code: 'custom',
        path: [d.username ? 'passwordEnv' : 'username'],
        message: 'username and passwordEnv go together',
      });
  });

export type OpcuaDevice = z.infer<typeof OpcuaDeviceSchema>;

export const opcuaPointShape = {
  /** The node this point reads; default from the device's nodeIdTemplate. */
  nodeId: nodeIdSchema.optional(),
  /** subscribe: the server reports changes (the default); read: read every intervalMs. */
  mode: z.enum(['subscribe', 'read']).optional(),
  samplingIntervalMs: intIn(0, 600_000).optional(),
  queueSize: intIn(1, 10_000).optional(),
  /** A percent deadband on the server (of the node's EURange); the point's own deadband is applied there too. */
  deadbandPercent: z.number().min(0).max(100).optional(),
};

export interface OpcuaPointFields {
  nodeId?: string;
  mode?: 'subscribe' | 'read';
  samplingIntervalMs?: number;
  queueSize?: number;
  deadbandPercent?: number;
}
