import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { parseSiteText } from '../../hub/site-file.js';
import { openDatabase } from '../../platform/db/database.js';
import { UserStore } from '../../platform/security/user-store.js';
import { HostDirectory } from './host-directory.js';
import { pageLanguage } from './page-language.js';
import { openText, sealText } from './sealed-text.js';
import { SelfServiceSchema } from './self-service-schema.js';
import { VisitorContacts } from './visitor-contacts.js';

const KEY = Buffer.alloc(32, 7);
const T0 = Date.UTC(2026, 2, 1, 1);

function directory(config: object = {}) {
  const db = openDatabase(':memory:', silentLogger);
  const users = new UserStore(db);
  const add = (username: string, displayName: string, roles: ('requester' | 'viewer')[]) =>
    users.create({ username, displayName, roles, passwordHash: 'x', now: T0 });
  add('wang', '王小明', ['requester']);
  add('wangli', '王丽', ['viewer']);
  add('kiosk1', '王前台', ['requester']);
  const clock = new ManualClock(T0);
  const dir = new HostDirectory({
    users,
    key: KEY,
    config: SelfServiceSchema.parse(config),
    kiosks: new Set(['kiosk1']),
    now: () => clock.now(),
  });
  return { dir, clock, db };
}

describe('host directory', () => {
  it('finds registrants only, never kiosks; a token names the host until it expires', () => {
    const { dir, clock } = directory();
    const found = dir.search('王小');
    expect(found.map((h) => h.name)).toEqual(['王小明']);
    expect(dir.open(found[0]!.token)).toBe('wang');
    clock.advance(30 * 60_000);
    expect(dir.open(found[0]!.token)).toBeUndefined();
  });

  it('takes a list of hosts instead of everyone with passes:register', () => {
    const { dir } = directory({ hosts: ['wangli'] });
    expect(dir.search('王丽').map((h) => h.name)).toEqual(['王丽']);
    expect(dir.search('王小')).toEqual([]);
  });

  it('refuses a token sealed for another purpose or altered', () => {
    const { dir } = directory();
    const other = sealText(KEY, 'visitor-contact', JSON.stringify({ u: 'wang', exp: T0 + 60_000 }));
    expect(dir.open(other)).toBeUndefined();
    const good = dir.search('王小明')[0]!.token;
    const flipped = `${good.slice(0, 20)}${good[20] === 'A' ? 'B' : 'A'}${good.slice(21)}`;
    expect(dir.open(flipped)).toBeUndefined();
    expect(openText(KEY, 'host-token', 'short')).toBeUndefined();
  });
});

describe('minimum query length', () => {
  it('2 for a Chinese name, 3 otherwise (configurable)', () => {
    const { dir } = directory();
    expect(() => dir.search('王')).toThrow('q: type at least 2 characters');
    expect(() => dir.search('wa')).toThrow('q: type at least 3 characters');
    expect(() => dir.search('x'.repeat(41))).toThrow('q: at most 40 characters');
    expect(() => directory({ minQueryChars: { cjk: 3 } }).dir.search('王小')).toThrow('at least 3');
  });
});

describe('page language', () => {
  it('?lang, then Accept-Language by weight, then the default', () => {
    expect(pageLanguage('en', 'zh-CN', 'zh-CN')).toBe('en');
    expect(pageLanguage('fr', 'zh-TW,en;q=0.5', 'en')).toBe('zh-CN');
    expect(pageLanguage(undefined, 'fr-FR, en-GB;q=0.8, zh;q=0.9', 'en')).toBe('zh-CN');
    expect(pageLanguage(undefined, 'de, fr;q=0.5', 'zh-CN')).toBe('zh-CN');
    expect(pageLanguage(undefined, undefined, 'en')).toBe('en');
    expect(pageLanguage(['en'], 'zh', 'en')).toBe('zh-CN');
  });
});

describe('visitor contacts', () => {
  it('are stored sealed and erased when their visit is over', () => {
    const db = openDatabase(':memory:', silentLogger);
    db.prepare(
      `INSERT INTO visitors (id, name, created_at, purge_after) VALUES (1, 'v', 0, 1);
      `,
    ).run();
    for (const id of [1, 2])
      db.prepare(
        `INSERT INTO passes (id, visitor_id, host, purpose, state, valid_from, valid_until, max_entries, created_at, created_by)
         VALUES (?, 1, 'h', 'p', 'requested', 0, ?, 1, 0, 'kiosk')`,
      ).run(id, id * 1_000);
    const contacts = new VisitorContacts(db, KEY);
    contacts.keep(1, { name: 'Li Na', mobile: '13800001111', language: 'en' }, 1_000);
    contacts.keep(
      2,
      { name: 'Wu', mobile: '13800002222', email: 'wu@example.org', language: 'zh-CN' },
      2_000,
    );
    expect(JSON.stringify(db.prepare('SELECT * FROM visitor_contacts').all())).not.toMatch(
      /1380000|Li Na|example/,
    );
    expect(contacts.get(2)).toEqual({
      name: 'Wu',
      mobile: '13800002222',
      email: 'wu@example.org',
      language: 'zh-CN',
    });
    // another key cannot open it (a rotated visitors key)
    expect(new VisitorContacts(db, Buffer.alloc(32, 8)).get(2)).toBeUndefined();
    expect(contacts.eraseExpired(1_000)).toBe(1);
    expect(contacts.get(1)).toBeUndefined();
    expect(contacts.erase(2)).toBe(true);
    expect(contacts.count()).toBe(0);
  });
});

describe('visitors.selfService in the site file', () => {
  const site = (visitors: string) => `
site: { id: s, name: S, timezone: Asia/Shanghai }
hub: { dataDir: ':memory:' }
mqtt: { mode: embedded }
zones: [{ id: b1, name: B1, kind: building }]
visitors:
${visitors}
`;
  it('needs publicUrl when enabled, and no kiosk among the hosts', () => {
    expect(() => parseSiteText(site('  selfService: { enabled: true }'), 's.yaml')).toThrow(
      /visitors\.publicUrl: visitors\.selfService needs the hub URL/,
    );
    expect(() =>
      parseSiteText(
        site(
          `  publicUrl: 'https://hub.example.com'\n  kiosks: [lobby]\n  selfService: { enabled: true, hosts: [ann, lobby] }`,
        ),
        's.yaml',
      ),
    ).toThrow(/visitors\.selfService\.hosts\[1\]: "lobby" is a kiosk/);
    expect(() => parseSiteText(site('  selfService: { maxResults: 50 }'), 's.yaml')).toThrow(
      /visitors\.selfService\.maxResults: expected an integer 1–10/,
    );
    const ok = parseSiteText(
      site(`  publicUrl: 'https://hub.example.com'\n  selfService: { enabled: true }`),
      's.yaml',
    );
    expect(ok.config.visitors.selfService).toMatchObject({
      enabled: true,
      hosts: 'registrants',
      maxResults: 5,
    });
  });
});
