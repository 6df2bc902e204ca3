/**
 * The API's documentation as one self-contained HTML page, rendered from its OpenAPI description: every
 * route with its roles, parameters, body and answers, the schemas folded under each. No script and no
 * external asset, so it renders offline and under any content security policy.
 */
interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly unknown[];
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly in: string; readonly required?: boolean; readonly schema?: unknown }>;
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: unknown }> };
  readonly responses?: Record<string, { readonly description?: string; readonly content?: Record<string, { readonly schema?: unknown }> }>;
}

interface Document {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly paths: Record<string, Record<string, Operation>>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const schemaBlock = (label: string, schema: unknown) =>
  schema === undefined ? '' : `<details><summary>${escape(label)}</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;

function operationHtml(method: string, path: string, operation: Operation): string {
  const parameters = (operation.parameters ?? [])
    .map((parameter) => `<tr><td><code>${escape(parameter.name)}</code></td><td>${escape(parameter.in)}</td><td>${parameter.required ? 'required' : 'optional'}</td><td><code>${escape(JSON.stringify(parameter.schema ?? {}))}</code></td></tr>`)
    .join('');
  const responses = Object.entries(operation.responses ?? {})
    .map(([status, response]) => {
      const [[mediaType, content] = []] = Object.entries(response.content ?? {});
      return `<li><b>${escape(status)}</b> ${escape(response.description ?? '')}${mediaType ? ` <code>${escape(mediaType)}</code>` : ''}${schemaBlock('schema', content?.schema)}</li>`;
    })
    .join('');
  const body = operation.requestBody?.content?.['application/json']?.schema;
  return `<section id="${escape(`${method}-${path}`)}">
<h3><span class="method">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(operation.summary ?? '')}</p>
<p class="access">${operation.security ? `Bearer token. ${escape(operation.description ?? '')}` : 'Public: no token.'}</p>
${parameters ? `<table><tr><th>parameter</th><th>in</th><th></th><th>schema</th></tr>${parameters}</table>` : ''}
${schemaBlock('request body (application/json)', body)}
<ul>${responses}</ul>
</section>`;
}

export function renderDocsPage(document: object): string {
  const { info, paths } = document as Document;
  const operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const byTag = new Map<string, typeof operations>();
  for (const entry of operations) {
    const tag = entry.operation.tags?.[0] ?? 'Other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), entry]);
  }
  const sections = [...byTag].map(([tag, entries]) => `<h2>${escape(tag)}</h2>${entries.map(({ method, path, operation }) => operationHtml(method, path, operation)).join('\n')}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h3{margin-bottom:.2rem}.method{display:inline-block;min-width:4.5rem;font-family:monospace}.access{color:#555}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
section{border-top:1px solid #eee;padding:.5rem 0}</style></head>
<body><h1>${escape(info.title)} <small>v${escape(info.version)}</small></h1>
<p>${escape(info.description ?? '')} The machine-readable description is at <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${sections}
</body></html>
`;
}
