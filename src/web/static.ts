/**
 * The dashboard's static files (built by scripts/build-dashboard.mjs into dist/dashboard),
 * served at `/` on the worker port. STUB: being implemented (issue 6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function serveDashboard(_req: IncomingMessage, _res: ServerResponse): boolean {
  return false;
}
