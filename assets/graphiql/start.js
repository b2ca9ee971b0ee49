// Starts GraphiQL on rightsgraph's page (src/http/graphiql.rs). A file of its own, not an inline
// script, so that the page's Content-Security-Policy can say `script-src 'self'` and nothing more.
//
// The page may be opened with values preset in its fragment, which never reaches the server:
//
//   /graphql#headers=<JSON object>&query=<GraphQL>&variables=<JSON>
//
// each value URL-encoded (encodeURIComponent). `headers` fills the Headers tab (and every new
// tab), e.g. {"Authorization": "Bearer …"}; the fragment is removed from the address bar (and so
// from the history) before GraphiQL starts. GraphiQL keeps headers in memory only
// (shouldPersistHeaders is false), so a preset token is not written to localStorage either.
(function () {
  'use strict';

  var script = document.currentScript;
  var root = document.getElementById('graphiql');

  function fail(message) {
    root.className = 'rightsgraph-failed';
    root.textContent = message;
  }

  if (typeof window.GraphiQL !== 'function' || !window.React || !window.ReactDOM) {
    fail('GraphiQL could not start: its scripts did not load (see the browser console).');
    return;
  }

  // GraphiQL's dialogs lock scrolling with a <style> element they add (react-remove-scroll-bar),
  // which the page's CSP admits only with this response's nonce. The bundle gives that element
  // the global `__webpack_nonce__` (get-nonce); the page puts the nonce on its stylesheets.
  var styled = document.querySelector('link[rel="stylesheet"][nonce]');
  if (styled && styled.nonce) {
    window.__webpack_nonce__ = styled.nonce;
  }

  // The values of the fragment, which is then cleared from the address bar.
  function takePreset() {
    var preset = {};
    if (location.hash.length < 2) {
      return preset;
    }
    var params = new URLSearchParams(location.hash.slice(1));
    ['headers', 'query', 'variables'].forEach(function (name) {
      if (params.has(name)) {
        preset[name] = params.get(name);
      }
    });
    history.replaceState(history.state, '', location.pathname + location.search);
    return preset;
  }

  // A JSON text pretty-printed for an editor; text that is not JSON is left for GraphiQL to
  // report when the operation runs.
  function pretty(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  // Header names in lower case. HTTP does not mind, and GraphiQL sends the Headers tab as the
  // `connection_init` payload of a subscription, where the server reads `authorization`.
  function lowerCaseNames(headers) {
    var out = {};
    Object.keys(headers).forEach(function (name) {
      out[name.toLowerCase()] = headers[name];
    });
    return out;
  }

  function address(path, websocket) {
    var url = new URL(path, location.href);
    if (websocket) {
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    }
    return url.toString();
  }

  var inner = GraphiQL.createFetcher({
    url: address(script.dataset.endpoint, false),
    subscriptionUrl: address(script.dataset.subscriptionEndpoint, true),
  });
  function fetcher(params, options) {
    if (options && options.headers) {
      options = Object.assign({}, options, { headers: lowerCaseNames(options.headers) });
    }
    return inner(params, options);
  }

  // GraphiQL's props for a preset. A new `key` mounts GraphiQL afresh, as a page load would.
  var mounts = 0;
  function propsFor(preset) {
    mounts += 1;
    var props = { key: mounts, fetcher: fetcher, shouldPersistHeaders: false };
    if (preset.headers !== undefined) {
      props.headers = pretty(preset.headers);
      props.defaultHeaders = props.headers;
      props.defaultEditorToolsVisibility = 'headers';
    }
    if (preset.query !== undefined) {
      props.query = preset.query;
    }
    if (preset.variables !== undefined) {
      props.variables = pretty(preset.variables);
    }
    return props;
  }

  var app = ReactDOM.createRoot(root);
  app.render(React.createElement(GraphiQL, propsFor(takePreset())));
  // A link to this page with a new fragment, followed while the page is open, changes only the
  // fragment: the page is not loaded again, so the preset is taken here.
  window.addEventListener('hashchange', function () {
    var preset = takePreset();
    if (Object.keys(preset).length > 0) {
      app.render(React.createElement(GraphiQL, propsFor(preset)));
    }
  });
})();
