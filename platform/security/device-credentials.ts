import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { DeviceCredentials } from '../../core/devices/driver.js';
import { notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { randomSecret, safeEqual, sha256 } from './secrets.js';

/**
 * Passwords of MQTT devices on the embedded broker: the hub generates them (192 bits), shows each once, and
 * keeps only its SHA-256. A device logs in with its id as the username. Issuing again rotates the password;
 * the device's open connection is closed either way.
 */
export class DeviceCredentialStore implements DeviceCredentials {
  private readonly listeners: ((deviceId: string) => void)[] = [];
  private readonly byDevice;

  constructor(
    private readonly db: Db,
    private readonly site: SiteModel,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {
    this.byDevice = db.prepare<[string], { secret_hash: string }>(
      'SELECT secret_hash FROM device_credentials WHERE device_id = ?',
    );
  }

  verify(deviceId: string, secret: string): boolean {
    const row = this.byDevice.get(deviceId);
    return row !== undefined && safeEqual(sha256(secret), row.secret_hash);
  }

  onChange(listener: (deviceId: string) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** Every MQTT device of the site, and when its current password was issued (null: never). */
  list(): { deviceId: string; username: string; issuedAt: number | null }[] {
    const issued = new Map(
      (
        this.db.prepare('SELECT device_id, created_at FROM device_credentials').all() as {
          device_id: string;
          created_at: number;
        }[]
      ).map((r) => [r.device_id, r.created_at]),
    );
    return this.site
      .devicesOf('mqtt')
      .map((d) => ({ deviceId: d.id, username: d.id, issuedAt: issued.get(d.id) ?? null }));
  }

  /** A new password for the device (the old one stops working); returned once, never stored. */
  issue(by: Actor, deviceId: string): { deviceId: string; username: string; password: string } {
    this.requireMqttDevice(deviceId);
    const password = randomSecret(24);
    const rotated = this.byDevice.get(deviceId) !== undefined;
    this.db
      .prepare(
        `INSERT INTO device_credentials (device_id, secret_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET secret_hash = excluded.secret_hash, created_at = excluded.created_at`,
      )
      .run(deviceId, sha256(password), this.clock.now());
    this.audit.record(by, {
      action: rotated ? 'device.credentials-rotated' : 'device.credentials-issued',
      target: deviceId,
    });
    this.changed(deviceId);
    return { deviceId, username: deviceId, password };
  }

  revoke(by: Actor, deviceId: string): void {
    this.requireMqttDevice(deviceId);
    const { changes } = this.db.prepare('DELETE FROM device_credentials WHERE device_id = ?').run(deviceId);
    if (!changes) throw notFound('credentials for device', deviceId);
    this.audit.record(by, { action: 'device.credentials-revoked', target: deviceId });
    this.changed(deviceId);
  }

  private requireMqttDevice(deviceId: string) {
    if (this.site.deviceById.get(deviceId)?.protocol !== 'mqtt') throw notFound('MQTT device', deviceId);
  }

  private changed(deviceId: string) {
    for (const l of this.listeners) l(deviceId);
  }
}
