import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './ui/styles.css';
import { App } from './ui/App';
import { startDatasetPersistence } from './state/persist-session';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A reload keeps the dataset: restore what this browser saved, then save what changes.
void startDatasetPersistence();
