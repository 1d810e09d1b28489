import { messages } from '../i18n.js';
import type { Route } from '../router.js';

const t = messages({ en: { title: 'tickets' }, 'zh-CN': { title: 'tickets' } });

export default function View(_: { route: Route }) {
  return (
    <section class="view" data-view-id="tickets">
      <h2>{t('title')}</h2>
    </section>
  );
}
