/** Writes the JSON Schema export of the contracts to events/schemas/ and its subfolders (`npm run events:export`). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { renderContracts } from './contracts.js';

const directory = new URL('./schemas/', import.meta.url);
const files = renderContracts();
mkdirSync(directory, { recursive: true });
// A renamed or removed contract must not leave its old schema behind, in a subfolder either.
for (const name of readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
  const path = name.replaceAll('\\', '/');
  if (path.endsWith('.schema.json') && !files.has(path)) rmSync(new URL(path, directory));
}
for (const [name, text] of files) {
  const file = new URL(name, directory);
  mkdirSync(new URL('./', file), { recursive: true });
  writeFileSync(file, text);
}
console.log(`wrote ${files.size} JSON Schemas to events/schemas/`);
