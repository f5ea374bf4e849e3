// Thread entry when the server runs from TypeScript (tests, tsx): tsx's loader must be registered inside the thread
// before thread.ts is imported. The compiled server (dist/) starts thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
