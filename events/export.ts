/** Writes the JSON Schema export of the contracts to events/schemas/ (`npm run events:export`). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { renderContracts } from './contracts.js';

const directory = new URL('./schemas/', import.meta.url);
const files = renderContracts();
mkdirSync(directory, { recursive: true });
// A renamed or removed contract must not leave its old schema behind.
for (const name of readdirSync(directory)) {
  if (name.endsWith('.schema.json') && !files.has(name)) rmSync(new URL(name, directory));
}
for (const [name, text] of files) writeFileSync(new URL(name, directory), text);
console.log(`wrote ${files.size} JSON Schemas to events/schemas/`);
