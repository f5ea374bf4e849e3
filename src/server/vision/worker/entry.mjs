// Worker thread entry: the project runs TypeScript through tsx, whose loader must be registered inside the thread
// before the worker module (TypeScript) is imported.
import { register } from 'tsx/esm/api';

register();
await import('./inference-worker.ts');
