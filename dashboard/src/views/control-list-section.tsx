import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../hub.js';
import { ErrorBox, Loading } from '../ui.js';
import { type ControlKey, ct } from './control-text.js';

/**
 * A read-only control section that lists what one GET answered (scenes, occupancy, demand plans): its title
 * and hint, then "unavailable" on a 404, the error with a retry, loading, or the empty text, then the list
 * (children).
 */
export function ListSection({
  id,
  title,
  hint,
  empty,
  answer,
  count,
  children,
}: {
  id: string;
  title: ControlKey;
  hint: ControlKey;
  empty: ControlKey;
  answer: { data?: unknown; error?: ApiProblem; loading: boolean; reload: () => void };
  count: number;
  children: ComponentChildren;
}) {
  const missing = (answer.error as ApiProblem | undefined)?.status === 404;
  return (
    <section class="panel ct-section" data-section={id}>
      <div class="section-head">
        <h2>{ct(title)}</h2>
      </div>
      <p class="muted ct-hint">{ct(hint)}</p>
      {missing && (
        <p class="placeholder" data-empty>
          {ct('unavailable')}
        </p>
      )}
      {answer.error && !missing && !answer.data && <ErrorBox error={answer.error} retry={answer.reload} />}
      {answer.loading && !answer.data && !answer.error && <Loading />}
      {answer.data && !count && (
        <p class="placeholder" data-empty>
          {ct(empty)}
        </p>
      )}
      {children}
    </section>
  );
}
