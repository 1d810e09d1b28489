#!/usr/bin/env node
/**
 * `npm run admin -- <command>`: what an operator does on the hub's machine, with or without the hub
 * running (SQLite takes both). Every change is audited with the operating-system user as the actor.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ModbusConnection } from '../adapters/modbus/modbus-connection.js';
import { previewDecodings } from '../adapters/modbus/preview.js';
import { mosquittoAcl } from '../adapters/mqtt/mosquitto-acl.js';
import { listServerCertificates, pkiDirOf, setServerCertificateTrust } from '../adapters/opcua/opcua-pki.js';
import type { Actor } from '../core/actor.js';
import { EventBus } from '../core/bus.js';
import { systemClock } from '../core/clock.js';
import { ConfigError } from '../core/config/load-config.js';
import { DomainError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { SiteModel } from '../core/model/site-model.js';
import { backtest } from '../domains/rules/backtest.js';
import { type AuditCheckpoint, AuditLog } from '../platform/audit/audit-log.js';
import { openDatabase } from '../platform/db/database.js';
import { AuthService, publicUser } from '../platform/security/auth-service.js';
import { DeviceCredentialStore } from '../platform/security/device-credentials.js';
import { ROLES, type Role } from '../platform/security/roles.js';
import { parseDuration } from '../platform/storage/history.js';
import { openHistory } from '../platform/storage/storage-service.js';
import { loadSiteFile } from './site-file.js';
import { createSelfSigned, SELF_SIGNED_DAYS, writeSelfSigned } from './tls/self-signed.js';
import { defaultTlsFiles, tlsFilesOf } from './tls/tls-files.js';

const USAGE = `usage: npm run admin -- <command> [--site config/site.yaml]

  users                                list users, their roles and lock state
  create-user <name> --roles a,b       create a user; prints a generated password
  reset-password <name>                set a generated password (prints it); ends their sessions and
                                       revokes their API tokens
  unlock <name>                        lift the login throttles of a name (also in a running hub)
  device-credentials <id>... | --all   issue (rotate) MQTT device passwords; prints them as JSON,
                        [--out FILE]   or writes them to FILE (mode 600)
  mosquitto-acl [--hub-user NAME]      print a mosquitto acl_file with the embedded broker's rules
  modbus-preview --host H [--port 502] [--unit 1] [--table holding] [--register 0] [--count 2]
                 [--transport tcp|rtu-over-tcp|rtu --path /dev/ttyUSB0 --baud 9600 --parity none]
                                       read raw registers and show them as every type in every word order
  audit-verify [--checkpoint FILE]     check the audit log's keyed hash chain, and that it still holds
                                       the head of a checkpoint taken earlier
  audit-checkpoint [--out FILE]        the log's head now, signed with the hub's audit key (JSON);
                                       keep it off this machine
  backtest <rule-id> --from T --to T   replay a site-file rule over stored history (T: ISO time or "-7d");
                        [--step 60s]   lists when it would have fired and cleared
  opcua-certs                          OPC UA server certificates the hub has seen: trusted and rejected
  opcua-trust <thumbprint>             trust a server's certificate (the device connects on its next retry)
  opcua-untrust <thumbprint>           stop trusting it
  tls-selfsigned [--days 825] [--host name,...] [--force]
                                       make a key and self-signed HTTPS certificate for the files hub.http.tls
                                       names (else <dataDir>/tls/); prints its SHA-256 fingerprint

roles: ${ROLES.join(', ')}`;

export async function runAdmin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      site: { type: 'string', default: process.env.HUB_SITE_FILE ?? 'config/demo-site.yaml' },
      roles: { type: 'string' },
      all: { type: 'boolean', default: false },
      out: { type: 'string' },
      checkpoint: { type: 'string' },
      'hub-user': { type: 'string', default: 'facility-hub' },
      host: { type: 'string' },
      port: { type: 'string', default: '502' },
      unit: { type: 'string', default: '1' },
      table: { type: 'string', default: 'holding' },
      register: { type: 'string', default: '0' },
      count: { type: 'string', default: '2' },
      transport: { type: 'string', default: 'tcp' },
      path: { type: 'string' },
      baud: { type: 'string', default: '9600' },
      parity: { type: 'string', default: 'none' },
      from: { type: 'string', default: '-7d' },
      to: { type: 'string' },
      step: { type: 'string' },
      days: { type: 'string', default: String(SELF_SIGNED_DAYS) },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (!command || values.help) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  if (command === 'modbus-preview') return modbusPreview(values);
  const site = await loadSiteFile(values.site!);
  if (command === 'backtest') return backtestCommand(site, args[0], values);
  if (command === 'tls-selfsigned') return tlsSelfSigned(site, values);
  if (command === 'mosquitto-acl') {
    process.stdout.write(mosquittoAcl(site, values['hub-user']!));
    return 0;
  }
  const log = createLogger(process.env.HUB_LOG_LEVEL ?? 'warn');
  const db = openDatabase(site.hub.dataDir, log);
  try {
    const audit = new AuditLog(db, () => systemClock.now());
    const auth = new AuthService(db, site.hub.auth, systemClock, audit, new EventBus(log), log);
    const me: Actor = { actor: userInfo().username, via: 'cli' };
    const user = (name: string | undefined) => {
      const u = name ? auth.users.findByName(name) : undefined;
      if (!u) throw new CliError(`no user "${name ?? ''}"`);
      return u;
    };
    switch (command) {
      case 'users':
        for (const u of auth.users.list().map(publicUser))
          process.stdout.write(
            `${u.username}\t${u.roles.join(',')}\t${u.disabled ? 'disabled' : 'active'}\n`,
          );
        return 0;
      case 'create-user': {
        const roles = (values.roles ?? '').split(',').filter(Boolean) as Role[];
        const unknown = roles.filter((r) => !ROLES.includes(r));
        if (!roles.length || unknown.length)
          throw new CliError(`--roles: expected some of ${ROLES.join(', ')}`);
        const created = await auth.createUser(me, { username: args[0] ?? '', roles });
        process.stdout.write(`${created.user.username}: ${created.generatedPassword}\n`);
        return 0;
      }
      case 'reset-password': {
        const r = await auth.resetPassword(me, user(args[0]).id);
        process.stdout.write(`${args[0]}: ${r.generatedPassword}\n`);
        if (r.revokedTokens.length)
          process.stderr.write(
            `${r.revokedTokens.length} API token(s) revoked: ${r.revokedTokens.join(', ')}\n`,
          );
        return 0;
      }
      case 'unlock':
        auth.unlock(me, user(args[0]).id);
        process.stdout.write(`${args[0]} unlocked\n`);
        return 0;
      case 'device-credentials': {
        const store = new DeviceCredentialStore(db, site, systemClock, audit);
        const ids = values.all ? site.devicesOf('mqtt').map((d) => d.id) : args;
        if (!ids.length) throw new CliError('name the devices, or --all');
        const passwords = Object.fromEntries(ids.map((id) => [id, store.issue(me, id).password]));
        const json = `${JSON.stringify(passwords, null, 2)}\n`;
        if (values.out) {
          writeFileSync(values.out, json, { mode: 0o600 });
          process.stdout.write(`${ids.length} device passwords written to ${values.out}\n`);
        } else process.stdout.write(json);
        return 0;
      }
      case 'opcua-certs':
        for (const c of await listServerCertificates(pkiDirOf(site.hub.dataDir)))
          process.stdout.write(
            `${c.status}\t${c.thumbprint}\t${c.subject}\t${c.applicationUri ?? ''}\tuntil ${c.notAfter}\n`,
          );
        return 0;
      case 'opcua-trust':
      case 'opcua-untrust': {
        const trust = command === 'opcua-trust';
        const r = await setServerCertificateTrust(pkiDirOf(site.hub.dataDir), args[0] ?? '', trust);
        if (typeof r === 'string') throw new CliError(r);
        audit.record(me, {
          action: trust ? 'opcua.certificate-trusted' : 'opcua.certificate-rejected',
          target: r.thumbprint,
          detail: r.subject,
        });
        process.stdout.write(`${r.status}: ${r.subject} (${r.thumbprint})\n`);
        return 0;
      }
      case 'audit-verify': {
        const checkpoint = values.checkpoint ? readCheckpoint(values.checkpoint) : undefined;
        const r = audit.verify(checkpoint);
        if (r.ok) {
          const cp = r.checkpoint
            ? `; holds the checkpoint's head ${r.checkpoint.headId} after ${r.checkpoint.count} entries`
            : '';
          process.stdout.write(`audit log intact: ${r.entries} entries${cp}\n`);
        } else
          process.stdout.write(
            `audit log ALTERED${r.firstBadId !== undefined ? ` at entry ${r.firstBadId}` : ''}: ${r.reason}\n`,
          );
        return r.ok ? 0 : 1;
      }
      case 'audit-checkpoint': {
        audit.record(me, { action: 'audit.checkpoint' });
        const json = `${JSON.stringify(audit.checkpoint())}\n`;
        if (values.out) {
          writeFileSync(values.out, json);
          process.stdout.write(`checkpoint written to ${values.out}\n`);
        } else process.stdout.write(json);
        return 0;
      }
      default:
        throw new CliError(`unknown command "${command}"\n${USAGE}`);
    }
  } finally {
    db.close();
  }
}

class CliError extends Error {}

function readCheckpoint(file: string): AuditCheckpoint {
  let c: Partial<AuditCheckpoint>;
  try {
    c = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`--checkpoint ${file}: ${(err as Error).message}`);
  }
  const ints = [c.count, c.headId, c.at].every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (!ints || typeof c.headHash !== 'string' || typeof c.sig !== 'string')
    throw new CliError(
      `--checkpoint ${file}: expected { count, headId, headHash, at, sig } (audit-checkpoint)`,
    );
  return c as AuditCheckpoint;
}

/** A time: ISO 8601, or relative to now ("-7d", "-12h"). */
function parseTime(text: string | undefined, now: number): number {
  if (!text) return now;
  const rel = /^-(.+)$/.exec(text);
  const ms = rel ? parseDuration(rel[1]!) : undefined;
  if (ms !== undefined) return now - ms;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new CliError(`expected an ISO time or -7d style offset, got "${text}"`);
  return t;
}

async function backtestCommand(
  site: SiteModel,
  ruleId: string | undefined,
  v: Record<string, string | boolean | undefined>,
): Promise<number> {
  const rule = site.config.rules.find((r) => r.id === ruleId);
  if (!rule)
    throw new CliError(
      `no rule "${ruleId ?? ''}" (the site file has: ${site.config.rules.map((r) => r.id).join(', ')})`,
    );
  const opened = openHistory(site, () => Date.now());
  if (!opened) throw new CliError('storage is off in the site file: there is no history to replay');
  const now = Date.now();
  const from = parseTime(v.from as string, now);
  const to = parseTime(v.to as string | undefined, now);
  const stepMs = v.step ? parseDuration(v.step as string) : undefined;
  try {
    const r = await backtest(rule, site, opened.history, { from, to, stepMs });
    const iso = (t: number) => new Date(t).toISOString();
    process.stdout.write(
      `${rule.id}: ${r.instances} instance(s), ${iso(from)} → ${iso(to)}, step ${r.stepMs / 1000} s: ${r.episodes.length} episode(s)\n`,
    );
    for (const e of r.episodes)
      process.stdout.write(
        `${iso(e.firedAt)}  ${e.clearedAt ? iso(e.clearedAt) : 'still active       '}  ${e.assetId}  ${e.message}\n`,
      );
    for (const sk of r.skipped) process.stdout.write(`skipped ${sk.assetId}: ${sk.reason}\n`);
    return 0;
  } finally {
    opened.close();
  }
}

/** A key and self-signed certificate where the hub reads them (no database: the hub may run meanwhile). */
async function tlsSelfSigned(
  site: SiteModel,
  v: Record<string, string | boolean | undefined>,
): Promise<number> {
  const days = Number(v.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError('--days: expected 1–3650');
  const { host } = site.hub.http;
  const hosts = [
    ...((v.host as string | undefined) ?? '').split(','),
    ...(['0.0.0.0', '::', ''].includes(host) ? [] : [host]),
  ]
    .map((h) => h.trim())
    .filter(Boolean);
  const configured = site.hub.http.tls;
  const files = tlsFilesOf(configured, site.hub.dataDir);
  const defaults = defaultTlsFiles(site.hub.dataDir);
  const existing = [files.certFile, files.keyFile].filter((f) => existsSync(f));
  if (existing.length && !v.force)
    throw new CliError(
      `${existing.join(' and ')} already there; --force replaces (a running hub takes the new one on kill -HUP)`,
    );
  const made = await createSelfSigned({ hosts, days });
  writeSelfSigned(files, made);
  process.stdout.write(
    [
      `wrote ${files.certFile} and ${files.keyFile} (mode 600), valid until ${made.validTo.toISOString().slice(0, 10)}`,
      `for ${made.names.join(', ')}`,
      `SHA-256 fingerprint: ${made.fingerprint256}`,
      ...(configured
        ? ['a running hub takes it on kill -HUP <pid>']
        : [
            'add to the site file (or hub.http.tls: { selfSigned: true }, which uses these files):',
            '  hub:',
            '    http:',
            `      tls: { certFile: ${defaults.certFile}, keyFile: ${defaults.keyFile} }`,
          ]),
      '',
    ].join('\n'),
  );
  return 0;
}

/** Straight to the device (the hub need not run): raw registers, decoded every way. */
async function modbusPreview(v: Record<string, string | boolean | undefined>): Promise<number> {
  const transport = v.transport as 'tcp' | 'rtu-over-tcp' | 'rtu';
  if (transport === 'rtu' ? !v.path : !v.host)
    throw new CliError(transport === 'rtu' ? 'give --path' : 'give --host');
  const table = v.table as 'holding' | 'input' | 'coil' | 'discrete';
  if (!['holding', 'input', 'coil', 'discrete'].includes(table))
    throw new CliError('--table: holding, input, coil or discrete');
  const conn = new ModbusConnection(
    {
      transport,
      host: v.host as string | undefined,
      port: Number(v.port),
      path: v.path as string | undefined,
      baudRate: Number(v.baud),
      parity: v.parity as 'none' | 'even' | 'odd',
      dataBits: 8,
      stopBits: 1,
    },
    () => undefined,
  );
  await conn.open();
  try {
    const data = await conn.read(Number(v.unit), table, Number(v.register), Number(v.count), 2_000, 1);
    if (table === 'coil' || table === 'discrete') {
      process.stdout.write(`${JSON.stringify(data)}\n`);
      return 0;
    }
    const p = previewDecodings(data as number[]);
    process.stdout.write(`registers ${v.register}..: ${p.hex}\n`);
    for (const [type, row] of Object.entries(p.decoded))
      process.stdout.write(
        `${type.padEnd(8)} ${Object.entries(row)
          .map(([o, x]) => `${o} ${String(x)}`)
          .join('   ')}\n`,
      );
    return 0;
  } catch (err) {
    throw new CliError((err as Error).message);
  } finally {
    await conn.close();
  }
}

if (process.argv[1]?.endsWith('admin-cli.ts') || process.argv[1]?.endsWith('admin-cli.js')) {
  runAdmin(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      const message =
        err instanceof ConfigError
          ? `invalid site file ${err.message}`
          : err instanceof CliError || err instanceof DomainError
            ? err.message
            : String(err?.stack ?? err);
      process.stderr.write(`${message}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    },
  );
}
