import { useState } from 'preact/hooks';
import { problemLines, type Ticket, type TicketDetail } from './tickets-common.js';
import { photoUrl, uploadPhoto } from './tickets-photo.js';
import { stageText, t } from './tickets-text.js';

/** A ticket's photos, and adding one (from the phone's camera) at the stage the ticket is in. */

const stageOf = (tk: Ticket): 'report' | 'work' | 'resolution' =>
  tk.state === 'resolved'
    ? 'resolution'
    : ['dispatched', 'accepted', 'in-progress'].includes(tk.state)
      ? 'work'
      : 'report';

export function Photos({ detail, onAdded }: { detail: TicketDetail; onAdded: () => void }) {
  const tk = detail.ticket;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function add(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      await uploadPhoto(tk.id, file, stageOf(tk));
      onAdded();
    } catch (err) {
      setError(problemLines(err));
    } finally {
      setBusy(false);
      input.value = '';
    }
  }
  return (
    <section class="panel tk-photos" aria-labelledby="tk-photos-title">
      <div class="section-head">
        <h2 id="tk-photos-title">{t('photos')}</h2>
        {detail.mayAdd && (
          <label class={`btn btn-small tk-file${busy ? ' is-busy' : ''}`}>
            <input
              type="file"
              name="photo"
              accept="image/*"
              capture="environment"
              disabled={busy}
              onChange={add}
            />
            {busy ? t('uploading') : t('addPhoto')}
          </label>
        )}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {detail.photos.length === 0 ? (
        <p class="muted">{t('noPhotos')}</p>
      ) : (
        <ul class="tk-thumbs">
          {detail.photos.map((p) => (
            <li key={p.id} data-photo={p.file}>
              <a href={photoUrl(tk.id, p.file)} target="_blank" rel="noopener">
                <img src={photoUrl(tk.id, p.file)} alt={`${t('photo')} ${p.id}`} loading="lazy" />
              </a>
              <span class="muted">
                {stageText(p.stage)} · {p.uploadedBy}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
