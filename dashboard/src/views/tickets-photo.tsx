import { api } from '../hub.js';
import type { TicketPhoto } from './tickets-common.js';

/**
 * A photo goes up as the request body itself (`POST /tickets/:id/photos?stage=…`), not as JSON (api()'s
 * `raw`). The hub decides by the content
 * (JPEG, PNG, WebP, HEIC); a type it does not list is sent as application/octet-stream so the answer is the
 * hub's own reason rather than a generic 415.
 */

const SENT_AS = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/heic']);
/** A phone camera's photo above this is scaled down before it is sent (site Wi-Fi, the hub's size limit). */
const SHRINK_ABOVE_BYTES = 2_500_000;
const MAX_EDGE_PX = 2560;

export async function uploadPhoto(
  ticketId: number,
  file: Blob,
  stage: 'report' | 'work' | 'resolution',
): Promise<TicketPhoto> {
  const body = await shrink(file);
  const type = SENT_AS.has(body.type) ? body.type : 'application/octet-stream';
  return api<TicketPhoto>(`/tickets/${ticketId}/photos?stage=${stage}`, {
    method: 'POST',
    raw: { data: body, type },
  });
}

/** A large JPEG, PNG or WebP scaled to at most MAX_EDGE_PX as a JPEG; anything else, or any failure: as it is. */
async function shrink(file: Blob): Promise<Blob> {
  if (file.size <= SHRINK_ABOVE_BYTES || !/^image\/(jpeg|png|webp)$/.test(file.type)) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_EDGE_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const out = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    return out && out.size < file.size ? out : file;
  } catch {
    return file;
  }
}

export const photoUrl = (ticketId: number, file: string) =>
  `/api/v1/tickets/${ticketId}/photos/${encodeURIComponent(file)}`;
