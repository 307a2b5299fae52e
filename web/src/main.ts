/** The console's entry: styles, configuration, then the shell with the registered pages. */
import './styles.css';
import * as z from 'zod';
import { keepSessionFresh, resumeSession } from './auth.ts';
import { loadConfig } from './config.ts';
import { h, mount } from './dom.ts';
import { PAGES } from './pages/index.ts';
import { startShell } from './shell.ts';

// The page's Content-Security-Policy forbids eval: zod must not try its compiled fast path.
z.config({ jitless: true });

const root = document.getElementById('app');
if (root) {
  loadConfig().then(
    async (config) => {
      // Back from Cognito's managed login (`?code=`) or its /logout, or a session to renew: before the shell.
      await resumeSession(config.auth);
      const shell = startShell(root, config, PAGES);
      keepSessionFresh(config.auth, (session) => shell.setSession(session));
    },
    (error: unknown) => {
      mount(
        root,
        h(
          'main',
          { class: 'boot-error' },
          h('h1', null, 'Lào Cai'),
          h('p', { role: 'alert' }, `The console could not start: ${String(error)}`),
        ),
      );
    },
  );
}
