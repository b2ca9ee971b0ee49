// A minimal client of the graphql-transport-ws protocol, for subscriptions on one connection:
// connection_init with the token, one subscribe per operation, pong to the server's pings, and
// on a dropped connection a new one after a growing pause, resuming where it stopped
// (`operations()` is asked again each time, so the caller can pass the id of the last event it
// got: the API replays what was missed). `onNext(data, index)` gets each event with the index of
// its operation.
//
// Close codes that say the token cannot be used (4401 expired, 4403 unusable) end it for good.

const FATAL = new Set([4400, 4401, 4403, 4406, 4409, 4429]);

export function subscribe({ url, token, operations, onNext, onError, onState }) {
  let socket = null;
  let stopped = false;
  let pause = 1000;
  let timer = null;
  // The operations subscribed on the current connection.
  let running = [];
  let ended = 0;

  function state(name, detail) {
    if (onState) onState(name, detail);
  }

  function connect() {
    if (stopped) return;
    state('connecting');
    socket = new WebSocket(url, 'graphql-transport-ws');
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case 'connection_ack':
          pause = 1000;
          state('live');
          running = operations();
          ended = 0;
          running.forEach(({ query, variables }, i) => socket.send(JSON.stringify({ id: String(i + 1), type: 'subscribe', payload: { query, variables } })));
          break;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          if (message.payload?.errors?.length && onError) onError(message.payload.errors);
          if (message.payload?.data) onNext(message.payload.data, Number(message.id) - 1);
          break;
        case 'error':
          if (onError) onError(message.payload || []);
          break;
        case 'complete':
          ended += 1;
          if (ended === running.length) state('ended');
          break;
        default:
          break;
      }
    });
    socket.addEventListener('close', (event) => {
      socket = null;
      if (stopped) return;
      if (FATAL.has(event.code)) {
        stopped = true;
        state('closed', `${event.code} ${event.reason || ''}`.trim());
        return;
      }
      state('reconnecting', `in ${Math.round(pause / 1000)} s`);
      timer = setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30_000);
    });
  }

  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      if (socket && socket.readyState <= 1) {
        try {
          running.forEach((_, i) => socket.send(JSON.stringify({ id: String(i + 1), type: 'complete' })));
        } catch {
          // already closing
        }
        socket.close(1000, 'signed out');
      }
    },
  };
}
