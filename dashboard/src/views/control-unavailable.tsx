import { ct } from './control-text.js';

/** A section whose part this hub does not have yet. */
export function Unavailable() {
  return (
    <section class="panel ct-section" data-section="unavailable">
      <p class="placeholder" data-empty>
        {ct('soon')}
      </p>
    </section>
  );
}
