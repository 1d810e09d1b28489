import type { FunctionComponent } from 'preact';
import type { Route } from '../router.js';

/**
 * A section (tab) of the control view, `#/control/<id>`: its name in the user's language and its component.
 * control.tsx lists them in one array; a part adds itself with one entry.
 */
export interface ControlSection {
  id: string;
  label: () => string;
  View: FunctionComponent<{ route: Route }>;
}
