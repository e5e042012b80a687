/**
 * Entry point of the web app: sets up i18n (zh-CN / en), mounts the React app, and in a production build registers
 * the service worker that caches the app shell (never API answers) so an installed app opens offline.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from './i18n/i18n';
import { App } from './ui/app';
import './styles.css';

initI18n();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      // The app works without it; only offline start-up is lost.
      console.warn('service worker not registered', error);
    });
  });
}
