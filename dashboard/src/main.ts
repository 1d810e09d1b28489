// The dashboard: the site page (login, session, live socket, site tree) and the views around it.
import './site/app.js';
import { startShell } from './shell.js';

startShell();
