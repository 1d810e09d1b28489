import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { open as openFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, unsupported } from '../../core/errors.js';

/**
 * Photos attached to maintenance tickets, one file each under <dataDir>/photos. The type comes from the
 * bytes alone (a file name or a client's content-type is whatever the client says), and the name is ours,
 * so a user never picks a path and an upload never becomes HTML or script served from our origin.
 */

export type PhotoMime = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';

const EXT: Record<PhotoMime, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
};
const MIME_OF_EXT = new Map(Object.entries(EXT).map(([mime, ext]) => [ext, mime as PhotoMime]));
/** The only names save() writes and open() serves. */
export const PHOTO_NAME = /^[0-9a-f]{32}\.(jpg|png|webp|heic)$/;
/** A save() cut short by a crash: never served, removed when the store is next opened. */
const TEMP_NAME = /^[0-9a-f]{32}\.(jpg|png|webp|heic)\.tmp$/;
const ACCEPTED = 'JPEG, PNG, WebP or HEIC';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HEIC_BRANDS = new Set(['heic', 'heix', 'mif1', 'msf1', 'hevc']);
const ascii = (buf: Buffer, from: number, to: number) => buf.toString('latin1', from, to);

/** The image type by magic bytes only; undefined for anything else (including a truncated signature). */
export function detectImageType(buf: Buffer): PhotoMime | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'image/webp';
  // ISO-BMFF: a box size, 'ftyp', then the major brand. AVIF and MP4 share the box but not these brands.
  if (buf.length >= 12 && ascii(buf, 4, 8) === 'ftyp' && HEIC_BRANDS.has(ascii(buf, 8, 12)))
    return 'image/heic';
  return undefined;
}

export const megabytes = (n: number) => `${Number((n / 1_048_576).toFixed(1))} MB`;

/** A photo written under its temporary name, not yet served. */
export interface StagedPhoto {
  file: string;
  mime: PhotoMime;
  bytes: number;
  tmp: string;
}

export class PhotoStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0)
      throw new RangeError(`PhotoStore: maxBytes ${maxBytes} is not a positive integer`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // also when it already existed: photos of the site are nobody else's business
    for (const f of readdirSync(dir)) if (TEMP_NAME.test(f)) rmSync(join(dir, f), { force: true });
  }

  /**
   * What the photo is, before anything is written: an empty photo or one that is no image is refused as
   * unsupported, one over the limit as too large.
   */
  check(buf: Buffer): { mime: PhotoMime; bytes: number } {
    if (buf.length === 0) throw unsupported('the photo is empty');
    if (buf.length > this.maxBytes)
      throw new DomainError(
        'too-large',
        `the photo is ${megabytes(buf.length)} (${buf.length} bytes); the limit is ${megabytes(this.maxBytes)} (${this.maxBytes} bytes): maintenance.photoMaxBytes`,
        { limit: 'photoMaxBytes' },
      );
    const mime = detectImageType(buf);
    if (!mime)
      throw unsupported(`not a ${ACCEPTED} image (the type is read from the file's content, not its name)`);
    return { mime, bytes: buf.length };
  }

  /**
   * Checks the photo and writes it under a fresh random name with `.tmp` (fsynced, off the event loop: an
   * 8 MB fsync on a slow card must not hold up gate decisions). Nothing serves it until commit(); discard()
   * removes it, and a crash leaves only a temp file that the next start clears.
   */
  async stage(buf: Buffer): Promise<StagedPhoto> {
    const { mime, bytes } = this.check(buf);
    const file = `${randomBytes(16).toString('hex')}.${EXT[mime]}`;
    const tmp = join(this.dir, `${file}.tmp`);
    const handle = await openFile(tmp, 'wx', 0o600);
    try {
      try {
        await handle.chmod(0o600); // exact, whatever the umask
        await handle.writeFile(buf);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { file, mime, bytes, tmp };
  }

  /** A staged photo takes its name (an atomic rename: the name only ever holds a whole photo). */
  commit(staged: StagedPhoto): void {
    renameSync(staged.tmp, join(this.dir, staged.file));
  }

  /** A staged photo that was refused after all. */
  discard(staged: StagedPhoto): void {
    rmSync(staged.tmp, { force: true });
  }

  /** Stage and commit at once (no limit to check in between). */
  async save(buf: Buffer): Promise<{ file: string; mime: PhotoMime; bytes: number }> {
    const staged = await this.stage(buf);
    this.commit(staged);
    return { file: staged.file, mime: staged.mime, bytes: staged.bytes };
  }

  /** A stored photo's path and type; undefined for any name save() could not have made, or a missing file. */
  open(file: string): { path: string; mime: PhotoMime } | undefined {
    const m = PHOTO_NAME.exec(file);
    if (!m) return undefined;
    const path = join(this.dir, file);
    // lstat: a symlink planted in the directory is not followed.
    if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
    return { path, mime: MIME_OF_EXT.get(m[1]!)! };
  }

  /** Deletes a stored photo; false when the name is not one of ours or the file is already gone. */
  remove(file: string): boolean {
    if (!this.open(file)) return false;
    try {
      unlinkSync(join(this.dir, file));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
