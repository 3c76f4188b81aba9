// api.js — the server's JSON API and its event stream.
export async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { error: text }; }
  if (!res.ok) throw new Error(json.error || `HTTP ${res.status}`);
  return json;
}

export class Session {
  constructor(onUpdate, onError) {
    this.id = null;
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.events = null;
  }
  async create(config) {
    const state = await call('POST', '/api/session', config);
    this.id = state.id;
    this.listen();
    return state;
  }
  path(what) { return `/api/session/${this.id}/${what}`; }
  listen() {
    if (this.events) this.events.close();
    this.events = new EventSource(this.path('events'));
    this.events.onmessage = (e) => this.onUpdate(JSON.parse(e.data));
    this.events.onerror = () => { if (this.onError) this.onError(); };
  }
  configure(config) { return call('POST', this.path('config'), config); }
  command(action) { return call('POST', this.path('command'), { action }); }
  trace(set, index) { return call('POST', this.path('trace'), { set, index }); }
  gradcheck() { return call('POST', this.path('gradcheck'), {}); }
  loadModel(model, name, config) { return call('POST', this.path('model'), { model, name, config }); }
  state() { return call('GET', this.path('state')); }
  close() {
    if (this.events) this.events.close();
    if (this.id) fetch(`/api/session/${this.id}`, { method: 'DELETE', keepalive: true }).catch(() => {});
  }
}
