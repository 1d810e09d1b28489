import { messages } from '../i18n.js';
import type { Route } from '../router.js';

const t = messages({ en: { title: 'energy' }, 'zh-CN': { title: 'energy' } });

export default function View(_: { route: Route }) {
  return (
    <section class="view" data-view-id="energy">
      <h2>{t('title')}</h2>
    </section>
  );
}
