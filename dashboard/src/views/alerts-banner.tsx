import { fmtDateTime } from '../i18n.js';
import type { Alert } from './alerts-model.js';
import { t } from './alerts-text.js';

/** The newest critical alert not yet seen to, at the top of the console (with how many more wait). */
export function AlertsBanner({
  banner,
  onShow,
  onDismiss,
}: {
  banner: Alert[];
  onShow: (a: Alert) => void;
  onDismiss: () => void;
}) {
  const top = banner[0];
  if (!top) return null;
  return (
    <div class="alerts-banner" role="alert" data-banner-alert={top.id}>
      <span class="alerts-banner-icon" aria-hidden="true">
        !
      </span>
      <div class="alerts-banner-text">
        <strong>{t('banner', { message: top.message })}</strong>
        <span>
          {t('bannerAt', { asset: top.assetId, when: fmtDateTime(top.raisedAt) })}
          {banner.length > 1 && ` · ${t('bannerMore', { n: banner.length - 1 })}`}
        </span>
      </div>
      <div class="alerts-banner-actions">
        <button type="button" class="btn btn-small" data-action="banner-show" onClick={() => onShow(top)}>
          {t('bannerShow')}
        </button>
        <button type="button" class="btn btn-small" data-action="banner-dismiss" onClick={onDismiss}>
          {t('bannerDismiss')}
        </button>
      </div>
    </div>
  );
}
