import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { detectImageType, PHOTO_NAME, PhotoStore } from './photo-store.js';

/** 1×1 images from Chromium's canvas encoder (the JPEG without its ICC profile); both decode in a browser. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4AWI6w8DwHwAAAP//nfhwpgAAAAZJREFUAwAEPgHOcjLqVQAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from(
  'ffd8ffe000104a46494600010100000100010000ffdb00430050373c463c32504641465a55505f78c882786e6e78f5afb991c8' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffdb004301555a5a786978eb' +
    '8282ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    'ffffffffffffffffffffffffffc00011080001000103012200021101031101ffc4001500010100000000000000000000000000' +
    '000003ffc40014100100000000000000000000000000000000ffc4001501010100000000000000000000000000000204ffc400' +
    '14110100000000000000000000000000000000ffda000c03010002110311003f008000a9ffd9',
  'hex',
);
/** Headers only: detection looks at nothing more. */
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const heif = (brand: string) =>
  Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}`), Buffer.alloc(12)]);

describe('detectImageType', () => {
  it('knows JPEG, PNG, WebP and HEIC/HEIF by their magic bytes', () => {
    expect(detectImageType(JPEG)).toBe('image/jpeg');
    expect(detectImageType(PNG)).toBe('image/png');
    expect(detectImageType(WEBP)).toBe('image/webp');
    for (const brand of ['heic', 'heix', 'mif1', 'msf1', 'hevc'])
      expect(detectImageType(heif(brand))).toBe('image/heic');
  });

  it('refuses everything else, whatever it claims to be', () => {
    const refused = {
      text: Buffer.from('just some notes about the pump\n'),
      html: Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>'),
      svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'),
      svgWithXmlDecl: Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
      exe: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0')]),
      pngTooShort: PNG.subarray(0, 7),
      jpegTooShort: JPEG.subarray(0, 2),
      riffNotWebp: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]),
      avif: heif('avif'),
      mp4: heif('isom'),
      empty: Buffer.alloc(0),
    };
    for (const [what, buf] of Object.entries(refused)) expect(detectImageType(buf), what).toBeUndefined();
  });
});

describe('PhotoStore', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'photo-store-'));
    dir = join(root, 'data', 'photos');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const refusal = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      return { kind: (err as DomainError).kind, message: (err as Error).message };
    }
    throw new Error('expected a DomainError');
  };

  it('saves a real PNG and JPEG under random names, 0600 in a 0700 directory, and opens them', async () => {
    const store = new PhotoStore(dir, 1_000_000);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const png = await store.save(PNG);
    const jpeg = await store.save(JPEG);
    expect(png).toEqual({
      file: expect.stringMatching(/^[0-9a-f]{32}\.png$/),
      mime: 'image/png',
      bytes: PNG.length,
    });
    expect(jpeg).toEqual({
      file: expect.stringMatching(/^[0-9a-f]{32}\.jpg$/),
      mime: 'image/jpeg',
      bytes: JPEG.length,
    });
    expect(png.file).not.toBe((await store.save(PNG)).file);
    for (const { file } of [png, jpeg]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(store.open(png.file)).toEqual({ path: join(dir, png.file), mime: 'image/png' });
    expect(readFileSync(store.open(jpeg.file)!.path)).toEqual(JPEG);
    // Only the photos: no temp file left behind.
    expect(readdirSync(dir).every((f) => PHOTO_NAME.test(f))).toBe(true);
  });

  it('refuses text, HTML, SVG, an EXE and a cut-off PNG signature, writing nothing', async () => {
    const store = new PhotoStore(dir, 1_000_000);
    for (const buf of [
      Buffer.from('hello'),
      Buffer.from('<html><body>hi</body></html>'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]),
      PNG.subarray(0, 7),
    ]) {
      const r = await refusal(() => store.save(buf));
      expect(r.kind).toBe('unsupported');
      expect(r.message).toMatch(/^not a JPEG, PNG, WebP or HEIC image/);
    }
    expect(await refusal(() => store.save(Buffer.alloc(0)))).toEqual({
      kind: 'unsupported',
      message: 'the photo is empty',
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a photo over the limit before writing anything', async () => {
    const store = new PhotoStore(dir, 2 * 1_048_576);
    const big = Buffer.concat([PNG, Buffer.alloc(2 * 1_048_576)]);
    const r = await refusal(() => store.save(big));
    expect(r.kind).toBe('too-large');
    expect(r.message).toMatch(/limit is 2 MB \(2097152 bytes\)/);
    expect(readdirSync(dir)).toEqual([]);
    // Exactly at the limit is fine.
    const atLimit = Buffer.concat([PNG, Buffer.alloc(2 * 1_048_576 - PNG.length)]);
    expect((await store.save(atLimit)).bytes).toBe(2 * 1_048_576);
  });

  it('open and remove accept only names save() makes: no traversal, no absolute path, no other file', async () => {
    const store = new PhotoStore(dir, 1_000_000);
    const { file } = await store.save(PNG);
    writeFileSync(join(root, 'secret.png'), PNG);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const hex = file.slice(0, 32);
    for (const name of [
      '../secret.png',
      `../photos/${file}`,
      `./${file}`,
      join(dir, file),
      '/etc/passwd',
      'notes.txt',
      `${hex}.JPG`,
      `${hex.toUpperCase()}.png`,
      `${hex}.png.tmp`,
      `${hex}.svg`,
      `${hex}.png/`,
      `${hex}.png\0`,
      `${hex}.png\n`,
      '',
    ]) {
      expect(store.open(name), JSON.stringify(name)).toBeUndefined();
      expect(store.remove(name), JSON.stringify(name)).toBe(false);
    }
    expect(store.open(file)).toBeDefined();
    expect(readdirSync(root).sort()).toEqual(['data', 'secret.png']);
  });

  it('open does not follow a symlink planted under a valid name, nor find a missing photo', () => {
    const store = new PhotoStore(dir, 1_000_000);
    writeFileSync(join(root, 'secret.png'), PNG);
    const planted = `${'a'.repeat(32)}.png`;
    symlinkSync(join(root, 'secret.png'), join(dir, planted));
    expect(store.open(planted)).toBeUndefined();
    expect(store.open(`${'b'.repeat(32)}.png`)).toBeUndefined();
  });

  it('remove deletes a stored photo once', async () => {
    const store = new PhotoStore(dir, 1_000_000);
    const { file } = await store.save(JPEG);
    expect(store.remove(file)).toBe(true);
    expect(store.open(file)).toBeUndefined();
    expect(store.remove(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('clears temp files a crashed save left behind, and tightens an existing directory to 0700', () => {
    new PhotoStore(dir, 1_000_000);
    const torn = `${'c'.repeat(32)}.jpg.tmp`;
    writeFileSync(join(dir, torn), JPEG.subarray(0, 10));
    writeFileSync(join(dir, 'keep.txt'), 'not ours to delete');
    chmodSync(dir, 0o755);
    new PhotoStore(dir, 1_000_000);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a maxBytes that is not a positive integer', () => {
    expect(() => new PhotoStore(dir, 0)).toThrow(RangeError);
    expect(() => new PhotoStore(dir, Number.NaN)).toThrow(RangeError);
  });
});
