// A real graphql-ws client for the live tests. Arguments: the WebSocket endpoint, a bearer
// token ('' for none), a subscription and its variables (JSON). Signs in with the token in
// `connection_init`, subscribes, and prints one line of JSON per thing that happens, as it
// happens: {"connected":true}, {"next":<payload>}, {"error":<what>}, {"complete":true} and
// {"closed":<close code>}. Exits when the subscription completes, fails or the socket closes.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, query, variables] = process.argv.slice(2);
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: false,
  onNonLazyError: () => {},
  connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
  on: {
    connected: () => print({ connected: true }),
    closed: (event) => {
      print({ closed: event.code });
      process.exit(0);
    },
  },
});

client.subscribe(
  { query, variables: JSON.parse(variables || '{}') },
  {
    next: (value) => print({ next: value }),
    error: (error) => {
      const what = Array.isArray(error) ? error : (error?.code ?? String(error));
      print({ error: what });
    },
    complete: () => {
      print({ complete: true });
      client.dispose();
    },
  },
);
