import type { TLSSocket } from 'node:tls';
import type { AuthenticateError, Client, Subscription } from 'aedes';
import type { DenialKind, DeviceCredentials } from '../../core/devices/driver.js';
import type { DeviceAcl } from './device-acl.js';
import { filterWithin, topicMatches } from './sparkplug-nodes.js';

export interface BrokerAuthOptions {
  /** Accept anyone and skip ACLs (a lab setting). */
  anonymous: boolean;
  acls: Map<string, DeviceAcl>;
  /** Client ids declared in the site file → the device that owns each. */
  clientIdOwner: Map<string, string>;
  credentials: DeviceCredentials;
  denied(deviceId: string | undefined, kind: DenialKind, detail: string): void;
}

/** Denied publishes are acknowledged and dropped here: a `$` topic that no subscription reaches. */
const DENIED_TOPIC = '$denied';

/**
 * The embedded broker's door: who a client is (its device id, proved by a password the hub issued or by a
 * client certificate whose CN is the device id) and what it may do (its ACL). A client id that a device
 * declares is reserved for that device, so nobody else can take its session over.
 *
 * A refused publish is acknowledged and dropped, as mosquitto does for MQTT 3.1.1 (the protocol has no
 * way to refuse one), rather than disconnecting: a device with one wrong topic keeps its good data flowing.
 */
export class BrokerAuth {
  private readonly identity = new WeakMap<Client, string>();
  private readonly connected = new Map<string, Set<Client>>();

  constructor(private readonly opts: BrokerAuthOptions) {}

  deviceOf(client: Client | null | undefined): string | undefined {
    return client ? this.identity.get(client) : undefined;
  }

  authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const result = this.identify(client, username, password);
    if ('deviceId' in result) {
      if (result.deviceId) this.bind(client, result.deviceId);
      done(null, true);
      return;
    }
    const { code, claimed, detail } = result;
    this.opts.denied(claimed, 'login', `${detail} (client id "${client.id}", ${remote(client)})`);
    done(Object.assign(new Error(detail), { returnCode: code }) as AuthenticateError, false);
  };

  /** The device a connecting client proves to be, or why it is refused (MQTT CONNACK codes 2, 4, 5). */
  private identify(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): { deviceId: string | undefined } | { code: 2 | 4 | 5; claimed?: string; detail: string } {
    const owner = this.opts.clientIdOwner.get(client.id);
    if (this.opts.anonymous) return { deviceId: owner };
    const cn = certificateCN(client);
    const claimed = cn ?? username;
    if (!claimed) return { code: 4, detail: 'no username and no client certificate' };
    if (!this.opts.acls.has(claimed)) return { code: 4, detail: `unknown device "${claimed.slice(0, 64)}"` };
    if (cn && username && username !== cn)
      return {
        code: 5,
        claimed,
        detail: `username "${username.slice(0, 64)}" is not the certificate's CN "${cn}"`,
      };
    if (!cn && !(password && this.opts.credentials.verify(claimed, password.toString('utf8'))))
      return { code: 4, claimed, detail: password ? 'wrong password' : 'no password' };
    if (owner && owner !== claimed)
      return { code: 2, claimed, detail: `client id "${client.id}" belongs to device "${owner}"` };
    return { deviceId: claimed };
  }

  authorizePublish = (
    client: Client | null,
    packet: { topic: string; retain: boolean },
    done: (e?: Error | null) => void,
  ) => {
    // client is null for the hub's own publishes (commands) and for stored wills
    if (!client || this.opts.anonymous) return done(null);
    const deviceId = this.identity.get(client);
    const acl = deviceId ? this.opts.acls.get(deviceId) : undefined;
    if (
      acl &&
      (acl.publish.has(packet.topic) || acl.publishFilters.some((f) => topicMatches(f, packet.topic)))
    )
      return done(null);
    this.opts.denied(deviceId, 'publish', `topic ${packet.topic.slice(0, 200)}`);
    packet.topic = DENIED_TOPIC;
    packet.retain = false;
    done(null);
  };

  authorizeSubscribe = (
    client: Client,
    sub: Subscription,
    done: (e: Error | null, s?: Subscription | null) => void,
  ) => {
    if (this.opts.anonymous) return done(null, sub);
    const deviceId = this.identity.get(client);
    const acl = deviceId ? this.opts.acls.get(deviceId) : undefined;
    if (acl && (acl.subscribe.has(sub.topic) || acl.subscribeFilters.some((f) => filterWithin(sub.topic, f))))
      return done(null, sub);
    this.opts.denied(deviceId, 'subscribe', `topic ${sub.topic.slice(0, 200)}`);
    done(null, null); // SUBACK 0x80 for this topic; the client stays connected
  };

  disconnected(client: Client): string | undefined {
    const deviceId = this.identity.get(client);
    if (deviceId) this.connected.get(deviceId)?.delete(client);
    return deviceId;
  }

  /** Close the connections of a device whose credentials changed. */
  kick(deviceId: string): void {
    for (const client of this.connected.get(deviceId) ?? []) client.close();
    this.connected.delete(deviceId);
  }

  private bind(client: Client, deviceId: string) {
    this.identity.set(client, deviceId);
    const set = this.connected.get(deviceId) ?? new Set();
    set.add(client);
    this.connected.set(deviceId, set);
  }
}

function certificateCN(client: Client): string | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  return typeof cn === 'string' && cn ? cn : undefined;
}

function remote(client: Client): string {
  const s = client.conn as { remoteAddress?: string };
  return s.remoteAddress ?? 'unknown address';
}
