import type { Clock } from '../../core/clock.js';
import { conflict, DomainError, notFound, unsupported } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { intervalStart, nextInterval } from '../../core/time/zoned-time.js';
import { megabytes, type PhotoMime, type PhotoStore } from './photo-store.js';
import type { TicketService } from './ticket-service.js';
import { checkAddTo, type TicketActor } from './ticket-state.js';
import type { TicketPhotoView } from './ticket-types.js';

/** What a photo may arrive as: an image type, or octet-stream; the real type is read from the bytes. */
export const PHOTO_UPLOAD_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'application/octet-stream',
];

/** The photo limits (maintenance.photosPerTicket, photosPerUserPerDay, photosMaxTotalBytes). */
export interface PhotoLimits {
  perTicket: number;
  perUserPerDay: number;
  totalBytes: number;
}

/** All photos above this share of photosMaxTotalBytes: a warning in health and the log. */
export const PHOTOS_HIGH_FILL = 0.8;

/** What the photos hold against their bound, for health. */
export interface PhotoUsage {
  files: number;
  bytes: number;
  maxBytes: number;
  /** bytes / maxBytes. */
  fill: number;
  /** high: at 80 % or more. */
  state: 'ok' | 'high';
}

/**
 * The photos of tickets (a phone's camera file, as the report, the work or the resolution): who may add
 * them and when (the rule notes follow too: ticket-state.ts checkAddTo), and how many: per ticket, per
 * person and day, and all together in bytes. The files themselves are the photo store's. Each addition is
 * a timeline note.
 *
 * The limits are checked twice: cheaply before the file is written (a refused upload writes nothing), and
 * for good in one immediate transaction that inserts the row and renames the written file to its name, so
 * uploads that arrive together can never pass a limit between the check and the insert, and a row and its
 * file appear together.
 */
export class TicketPhotos {
  private highWarned = false;

  constructor(
    private readonly tickets: TicketService,
    private readonly files: PhotoStore,
    private readonly opts: { limits: PhotoLimits; clock: Clock; timeZone: string; log: Logger },
  ) {}

  /** The largest photo taken, in bytes. */
  get maxBytes(): number {
    return this.files.maxBytes;
  }

  /** Attach a photo; `photo` is undefined when the request carried none in a type the hub takes. */
  async add(
    ticketId: number,
    who: TicketActor,
    photo: Buffer | undefined,
    stage: TicketPhotoView['stage'],
  ): Promise<TicketPhotoView> {
    checkAddTo(this.tickets.mustGet(ticketId), who, 'photos');
    if (!photo) throw unsupported(`send the photo as the body with one of: ${PHOTO_UPLOAD_TYPES.join(', ')}`);
    this.checkLimits(ticketId, who, this.files.check(photo).bytes);
    const staged = await this.files.stage(photo);
    try {
      this.tickets.store.immediate(() => {
        // the ticket may have been closed, or the limits reached, while the file was written
        checkAddTo(this.tickets.mustGet(ticketId), who, 'photos');
        this.checkLimits(ticketId, who, staged.bytes);
        this.tickets.store.addPhoto({
          ticketId,
          file: staged.file,
          mime: staged.mime,
          bytes: staged.bytes,
          stage,
          uploadedBy: who.username,
          ts: this.opts.clock.now(),
        });
        this.files.commit(staged); // a failed rename rolls the row back
      });
    } catch (err) {
      this.files.discard(staged);
      throw err;
    }
    this.tickets.note(ticketId, who, `photo added (${stage})`, 'photo', { file: staged.file });
    this.watchFill();
    return this.tickets.store.photo(ticketId, staged.file)!;
  }

  /** A ticket's photo to serve: not found for any name that is not one of the ticket's stored photos. */
  open(ticketId: number, file: string): { path: string; mime: PhotoMime } {
    const photo = this.tickets.store.photo(ticketId, file);
    const opened = photo && this.files.open(photo.file);
    if (!opened) throw notFound('photo', file);
    return opened;
  }

  /** All photos against maintenance.photosMaxTotalBytes: `high` from 80 %. */
  usage(): PhotoUsage {
    const { files, bytes } = this.tickets.store.photoUsage();
    const maxBytes = this.opts.limits.totalBytes;
    const fill = bytes / maxBytes;
    return { files, bytes, maxBytes, fill, state: fill >= PHOTOS_HIGH_FILL ? 'high' : 'ok' };
  }

  /** Refuses a photo of `bytes` that would pass a limit: naming the limit, with when to retry where it helps. */
  private checkLimits(ticketId: number, who: TicketActor, bytes: number): void {
    const { perTicket, perUserPerDay, totalBytes } = this.opts.limits;
    const now = this.opts.clock.now();
    const dayStart = intervalStart(now, '1d', this.opts.timeZone);
    const f = this.tickets.store.photoFigures(ticketId, who.username, dayStart);
    if (f.onTicket >= perTicket)
      throw conflict(`ticket ${ticketId} already has ${perTicket} photos (maintenance.photosPerTicket)`, {
        limit: 'photosPerTicket',
      });
    if (f.byUser >= perUserPerDay) {
      const retryAfterS = Math.max(
        1,
        Math.ceil((nextInterval(dayStart, '1d', this.opts.timeZone) - now) / 1000),
      );
      throw new DomainError(
        'too-many',
        `${who.username} has added ${f.byUser} photos today, the most one person may (maintenance.photosPerUserPerDay); more from midnight, site time`,
        { limit: 'photosPerUserPerDay', retryAfterS },
      );
    }
    if (f.totalBytes + bytes > totalBytes)
      throw new DomainError(
        'too-large',
        `the photos take ${megabytes(f.totalBytes)} of the ${megabytes(totalBytes)} all photos may take (maintenance.photosMaxTotalBytes); this one (${megabytes(bytes)}) does not fit`,
        { limit: 'photosMaxTotalBytes' },
      );
  }

  /** Log once when the photos pass 80 % of their bound (again after they fell below it). */
  private watchFill(): void {
    const u = this.usage();
    const high = u.state === 'high';
    if (high && !this.highWarned)
      this.opts.log.warn(
        { fill: Math.round(u.fill * 100), bytes: u.bytes, maxBytes: u.maxBytes },
        'ticket photos above 80 % of maintenance.photosMaxTotalBytes: uploads are refused once it is reached',
      );
    this.highWarned = high;
  }
}
