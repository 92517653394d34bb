import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './ui/styles.css';
import { App } from './ui/App';
import { UpdateBanner } from './ui/shared/UpdateBanner';
import { startDatasetPersistence } from './state/persist-session';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
    <UpdateBanner />
  </StrictMode>,
);

// A reload keeps the dataset: restore what this browser saved, then save what changes.
void startDatasetPersistence();
