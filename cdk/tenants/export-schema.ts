/** Writes cdk/tenants/tenant.schema.json from the zod schema (`npm run tenants:schema`). */
import { writeFileSync } from 'node:fs';
import { TENANTS_DIRECTORY, tenantJsonSchema } from '../tenant-config.js';

writeFileSync(new URL('tenant.schema.json', TENANTS_DIRECTORY), tenantJsonSchema());
console.log('wrote cdk/tenants/tenant.schema.json');
