import { logger } from '../../../core/wiring/context';
import { wired } from '../../container';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { json } from '../http';
import { openApiDocument } from '../openapi';

/** The contract's one route needs no port but the logger (a refused request is logged). */
export const ports = wired((w) => ({ logger: logger(w) }));

export const routes: Routes<ReturnType<typeof ports>> = {
  // The contract (docs/openapi.json is the same document): signed, but any caller may read it; it holds no tenant data.
  'GET /openapi.json': async (event) => {
    callerOf(event);
    return json(200, openApiDocument());
  },
};

export const main = areaHandler(routes, ports);
