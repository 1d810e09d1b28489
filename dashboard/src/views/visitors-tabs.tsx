import { can } from '../hub.js';
import { href } from '../router.js';
import { st } from './visitors-stats-text.js';

/** The visitors view's tabs: today's work, and for security the entry statistics. */
export function VisitorsTabs({ current }: { current: 'today' | 'stats' }) {
  if (!can('passes:manage')) return null;
  const tab = (name: 'today' | 'stats', to: string, label: string) => (
    <a
      class="btn btn-small"
      role="tab"
      href={to}
      aria-selected={current === name}
      data-tab={name}
      onClick={(e) => current === name && e.preventDefault()}
    >
      {label}
    </a>
  );
  return (
    <div class="e-tabs visitors-tabs" role="tablist">
      {tab('today', href('visitors'), st('tabToday'))}
      {tab('stats', href('visitors', ['stats']), st('tabStats'))}
    </div>
  );
}
