// A real graphql-ws client against the WebSocket endpoint given as the only argument: runs
// `{ version }` and two ticks of `subscription { clock }`, then prints a JSON report.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.argv[2];
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });

const query = await new Promise((resolve, reject) => {
  let result;
  client.subscribe({ query: '{ version }' }, {
    next: (value) => { result = value; },
    error: reject,
    complete: () => resolve(result),
  });
});

const ticks = [];
await new Promise((resolve, reject) => {
  const unsubscribe = client.subscribe({ query: 'subscription { clock(intervalSeconds: 1) }' }, {
    next: (value) => {
      if (value.errors) return reject(new Error(JSON.stringify(value.errors)));
      ticks.push(value.data.clock);
      if (ticks.length === 2) { unsubscribe(); resolve(); }
    },
    error: reject,
    complete: () => {},
  });
});

await client.dispose();
console.log(JSON.stringify({ version: query.data.version, ticks }));
