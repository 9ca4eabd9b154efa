// Starts GraphiQL against this Rollcall server. Kept out of index.html so the page's
// Content-Security-Policy can forbid inline scripts. React, ReactDOM and GraphiQL are the
// globals set by the UMD bundles that index.html loads before this file.
(function () {
  'use strict';

  // GraphiQL's dialogs lock the page's scrolling with a <style> element (Radix UI's
  // react-remove-scroll). The Content-Security-Policy refuses inline styles without this
  // response's nonce, which that library reads from the `__webpack_nonce__` global.
  var nonce = document.querySelector('meta[name="rollcall-style-nonce"]');
  if (nonce) {
    window.__webpack_nonce__ = nonce.content;
  }

  // Same origin as the page, so the CSP's connect-src 'self' covers both; wss behind https.
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql/ws',
  });

  // The editors start from ?query= and ?variables= and write back to them, so the address bar
  // always holds a link that reopens the current operation.
  var params = new URLSearchParams(window.location.search);
  function remember(name) {
    return function (value) {
      if (value) {
        params.set(name, value);
      } else {
        params.delete(name);
      }
      var search = params.toString();
      window.history.replaceState(
        null,
        '',
        window.location.pathname + (search ? '?' + search : '') + window.location.hash,
      );
    };
  }

  // A first visit (and every new tab) opens on how to sign in and call the API as someone,
  // rather than on GraphiQL's generic welcome text. GraphiQL keeps its tabs in localStorage, so
  // a later visit reopens those instead.
  var example = [
    "# Welcome to Rollcall's GraphiQL.",
    '#',
    '# 1. Put your own login and password in Login',
    '#    and run it (the run button asks which',
    '#    operation to run).',
    '# 2. Copy the accessToken it answers into the',
    '#    Authorization header (Headers, below),',
    '#    in place of <accessToken from login>.',
    '# 3. Run Me: it answers as that account.',
    '',
    'mutation Login {',
    '  login(input: {',
    '    login: "ann"',
    '    password: "a long pass phrase"',
    '    device: "GraphiQL"',
    '  }) {',
    '    accessToken',
    '    refreshToken',
    '  }',
    '}',
    '',
    'query Me {',
    '  me {',
    '    id',
    '    username',
    '    email',
    '    role',
    '  }',
    '}',
    '',
  ].join('\n');
  var exampleHeaders = JSON.stringify(
    { Authorization: 'Bearer <accessToken from login>' },
    null,
    2,
  );
  // A link with ?query= opens on its own operation: a placeholder token there would only make
  // it fail as UNAUTHENTICATED, so the example's header and open Headers pane go with the
  // example alone.
  var linked = Boolean(params.get('query'));

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: params.get('query') || undefined,
      variables: params.get('variables') || undefined,
      defaultQuery: example,
      defaultHeaders: linked ? undefined : exampleHeaders,
      defaultEditorToolsVisibility: linked ? undefined : 'headers',
      onEditQuery: remember('query'),
      onEditVariables: remember('variables'),
    }),
  );
})();
