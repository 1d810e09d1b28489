import type { Route } from '../router.js';

export default function View(_: { route: Route }) {
  return <section class="view" data-view-id="devices" />;
}
