/**
 * The routes of the staff and trader API, one file per area under routes/: each route is a row with its
 * path, who may call it, its schemas and its answer. This table is what the router serves, what the
 * OpenAPI description documents and what the stack gives API Gateway.
 */
import type { AccountReader } from '../ports/account-reader.js';
import type { ProgramStore } from '../ports/program-store.js';
import { openApiDocument } from './openapi.js';
import type { Route } from './route.js';
import { accountRoutes } from './routes/accounts.js';
import { me } from './routes/identity.js';
import { operationRoutes } from './routes/operations.js';
import { programRoutes } from './routes/programs.js';

export interface ApiDeps {
  readonly tenant: string;
  readonly programs: ProgramStore;
  readonly accounts: AccountReader;
}

export const API_ROUTES: readonly Route<ApiDeps>[] = [...operationRoutes(() => describeApi()), me, ...programRoutes, ...accountRoutes];

let description: object | undefined;

/** Built once, on first use. */
export function describeApi(): object {
  description ??= openApiDocument(API_ROUTES as readonly Route<unknown>[], {
    title: 'Propdesk API',
    version: '1',
    description: "A prop firm's back office: programs, accounts, the risk desk. Every route but health and this documentation needs a bearer token.",
  });
  return description;
}
