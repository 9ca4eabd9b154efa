// Runs the graphql-http audit suite against the GraphQL endpoint given as the only argument.
// Prints one JSON line per audit that did not pass, then a summary line; exits 1 when any MUST
// audit failed.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const results = await auditServer({ url });
let must = 0;
for (const result of results) {
  if (result.status === 'ok') continue;
  if (result.name.startsWith('MUST')) must += 1;
  console.log(JSON.stringify({ status: result.status, id: result.id, name: result.name, reason: result.reason }));
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`audits: ${results.length}, ok: ${ok}, must failures: ${must}`);
process.exit(must === 0 ? 0 : 1);
