import '@aws-amplify/ui-react/styles.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { configure, loadOutputs } from './config';

const root = createRoot(document.getElementById('root') as HTMLElement);
loadOutputs()
  .then((outputs) => {
    configure(outputs);
    root.render(
      <StrictMode>
        <App outputs={outputs} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main>
        <h1>Ape Moments booth</h1>
        <p role="alert">The booth cannot start: {error instanceof Error ? error.message : String(error)}</p>
      </main>,
    );
  });
