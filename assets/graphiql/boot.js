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

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: params.get('query') || undefined,
      variables: params.get('variables') || undefined,
      onEditQuery: remember('query'),
      onEditVariables: remember('variables'),
    }),
  );
})();
