import type { Clock } from '../../core/clock.js';
import { conflict, notFound, unsupported } from '../../core/errors.js';
import type { PhotoMime, PhotoStore } from './photo-store.js';
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

/**
 * The photos of tickets (a phone's camera file, as the report, the work or the resolution): who may add
 * them, how many, and when; the files themselves are the photo store's. Each addition is a timeline note.
 */
export class TicketPhotos {
  constructor(
    private readonly tickets: TicketService,
    private readonly files: PhotoStore,
    private readonly opts: { perTicket: number; clock: Clock },
  ) {}

  /** The largest photo taken, in bytes. */
  get maxBytes(): number {
    return this.files.maxBytes;
  }

  /** Attach a photo; `photo` is undefined when the request carried none in a type the hub takes. */
  add(
    ticketId: number,
    who: TicketActor,
    photo: Buffer | undefined,
    stage: TicketPhotoView['stage'],
  ): TicketPhotoView {
    const t = this.tickets.mustGet(ticketId);
    checkAddTo(t, who, 'photos'); // the rule notes follow too
    const { perTicket } = this.opts;
    if (this.tickets.store.photoCount(t.id) >= perTicket)
      throw conflict(`ticket ${t.id} already has ${perTicket} photos`);
    if (!photo) throw unsupported(`send the photo as the body with one of: ${PHOTO_UPLOAD_TYPES.join(', ')}`);
    const saved = this.files.save(photo);
    this.tickets.store.addPhoto({
      ticketId: t.id,
      file: saved.file,
      mime: saved.mime,
      bytes: saved.bytes,
      stage,
      uploadedBy: who.username,
      ts: this.opts.clock.now(),
    });
    this.tickets.note(t.id, who, `photo added (${stage})`, 'photo', { file: saved.file });
    return this.tickets.store.photo(t.id, saved.file)!;
  }

  /** A ticket's photo to serve: not found for any name that is not one of the ticket's stored photos. */
  open(ticketId: number, file: string): { path: string; mime: PhotoMime } {
    const photo = this.tickets.store.photo(ticketId, file);
    const opened = photo && this.files.open(photo.file);
    if (!opened) throw notFound('photo', file);
    return opened;
  }
}
