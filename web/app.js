// app.js — the playground page: controls -> requests, training events -> drawings.
// The set-up lives in the URL (#{json}); the server computes every number.
import uPlot from '/uPlot.esm.js';
import { Session, call } from './api.js';
import { floats, drawRegions, drawPoints, pick, drawThumb, drawInputThumb, classColor } from './draw.js';
import { renderTrace, renderGradcheck, fmt } from './backprop_view.js';

const $ = (id) => document.getElementById(id);
const MAP = 400;

const DEFAULT = {
  dataset: 'xor', n: 200, noise: 0.1, classes: 3, data_seed: 42, test_fraction: 0,
  hidden: [4], activations: ['sigmoid'], loss: 'mse', optimizer: 'gd', lr: 2, l2: 0, batch: 0,
  dropout: 0, clip_norm: 0, class_weight: 'none', lr_schedule: 'constant', lr_gamma: 0.5,
  lr_period: 100, seed: 42, epochs_per_update: 10,
};
const PRESETS = {
  xor: { ...DEFAULT },
  circle: { ...DEFAULT, dataset: 'circle', n: 200, noise: 0.1, hidden: [10], activations: ['sigmoid'], lr: 1.5, epochs_per_update: 100 },
};

// ---- state shown on the page (window.playground, for tests and the curious) ----------------
const app = {
  config: null, setup: null, update: null, playing: false, csv: null, highlight: null,
  lastTrace: null, stats: { updates: 0, drawn: 0, since: performance.now(), rate: 0 },
};
window.playground = app;
const session = new Session(onUpdate, () => {});

function showStatus(text, kind = 'error') {
  const el = $('status');
  el.hidden = !text;
  el.textContent = text || '';
  el.className = `status ${kind}`;
}

// ---- the URL holds the set-up ---------------------------------------------------------------
function configFromUrl() {
  if (location.hash.length > 1) {
    try { return { ...DEFAULT, ...JSON.parse(decodeURIComponent(location.hash.slice(1))) }; } catch { /* fall through */ }
  }
  return { ...DEFAULT };
}
function writeUrl() {
  const { csv, ...rest } = app.config;
  history.replaceState(null, '', '#' + encodeURIComponent(JSON.stringify(rest)));
}

// ---- controls <-> config --------------------------------------------------------------------
const FIELDS = ['dataset', 'n', 'noise', 'classes', 'data_seed', 'test_fraction', 'loss', 'optimizer', 'lr', 'batch', 'l2', 'dropout', 'clip_norm', 'class_weight', 'lr_schedule', 'lr_gamma', 'lr_period', 'seed', 'epochs_per_update'];
function controlsFromConfig(c) {
  for (const f of FIELDS) $(f).value = c[f];
  $('target').value = c.target || '';
  for (const out of document.querySelectorAll('output')) out.value = $(out.htmlFor).value;
  for (const el of document.querySelectorAll('.gen')) el.hidden = c.dataset === 'csv' || c.dataset === 'xor';
  for (const el of document.querySelectorAll('.classes')) el.hidden = !(c.dataset === 'spirals' || c.dataset === 'blobs');
}
function configFromControls() {
  const c = { ...app.config };
  for (const f of FIELDS) {
    const el = $(f);
    c[f] = (el.type === 'range' || el.type === 'number' || f === 'epochs_per_update') ? Number(el.value) : el.value;
  }
  c.target = $('target').value.trim();
  if (c.dataset === 'csv') {
    c.csv = app.csv ? app.csv.text : '';
    c.csv_name = app.csv ? app.csv.name : 'upload.csv';
  } else {
    delete c.csv; delete c.csv_name; delete c.target;
  }
  return c;
}

// ---- applying a set-up ----------------------------------------------------------------------
function applyState(state) {
  app.setupCount = (app.setupCount || 0) + 1;
  app.lastTuned = !!state.tuned;
  if (state.tuned) {  // a new rate, L2, batch size or speed: the same network trains on
    app.setup = state.setup;
    app.config = { ...state.setup.config, ...(app.config && app.config.dataset === 'csv' && app.csv ? { csv: app.csv.text } : {}) };
    controlsFromConfig(app.config);
    writeUrl();
    return;
  }
  app.setup = state.setup;
  app.config = { ...state.setup.config, ...(app.config && app.config.dataset === 'csv' && app.csv ? { csv: app.csv.text } : {}) };
  app.highlight = null;
  app.lastTrace = null;
  controlsFromConfig(app.config);
  writeUrl();
  setPlaying(false);
  const s = state.setup;
  $('data-info').textContent = `${s.train.n} training + ${s.test.n} test samples, ${s.inputs} input${s.inputs > 1 ? 's' : ''} (${s.features.join(', ')}), ${s.classes.length} classes (${s.classes.join(', ')})`;
  $('map-note').hidden = s.two_d;
  $('map-note').textContent = s.two_d ? '' : `This data has ${s.inputs} input features: the map and the unit thumbnails need 2. Training, curves, the backprop view (pick a sample below) and everything else still work.`;
  $('trace').innerHTML = s.two_d ? 'Click a point on the map to see every number of its forward and backward pass.'
    : `Sample: <input id="sample-index" type="number" min="0" max="${s.train.n - 1}" value="0"> <button id="sample-go">show</button>`;
  $('trace').classList.add('muted');
  if (!s.two_d) $('sample-go').onclick = () => showTrace({ set: 'train', index: Number($('sample-index').value) });
  $('gradcheck-out').innerHTML = '';
  $('download-model').href = session.path('model');
  $('download-onnx').href = session.path('model.onnx');
  buildNetwork();
  showStatus('');
  onUpdate(state.update);
}

// One set-up change at a time, in the order asked (a blur and a select can both fire "change"):
// the server and the page end on the last one.
let chain = Promise.resolve();
function reconfigure(c) {
  app.config = c;
  chain = chain.then(async () => {
    try {
      applyState(await session.configure(c));
    } catch (e) {
      showStatus(e.message);
    }
  });
  return chain;
}
const changed = () => reconfigure(configFromControls());

// ---- the network diagram ---------------------------------------------------------------------
const UNIT = 40, COL = 110, ROW = 54, TOP = 56;
function buildNetwork() {
  const s = app.setup, el = $('network');
  el.innerHTML = '';
  const sizes = [s.inputs, ...app.config.hidden, s.outputs];
  const maxRows = Math.max(...sizes.map((n) => Math.min(n, 32)));
  const width = COL * sizes.length + 20, height = TOP + ROW * maxRows + 10;
  el.style.height = `${height}px`;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  el.appendChild(svg);
  app.units = [];
  app.links = [];
  const pos = (l, i) => [10 + l * COL, TOP + i * ROW];
  for (let l = 1; l < sizes.length; ++l)
    for (let i = 0; i < Math.min(sizes[l], 32); ++i)
      for (let j = 0; j < Math.min(sizes[l - 1], 32); ++j) {
        const [x0, y0] = pos(l - 1, j), [x1, y1] = pos(l, i);
        const line = document.createElementNS('http://www.w3.org/2000/svg', 'path');
        line.setAttribute('d', `M${x0 + UNIT},${y0 + UNIT / 2} C${x0 + UNIT + 30},${y0 + UNIT / 2} ${x1 - 30},${y1 + UNIT / 2} ${x1},${y1 + UNIT / 2}`);
        line.setAttribute('fill', 'none');
        line.dataset.l = l - 1; line.dataset.i = i; line.dataset.j = j;
        line.addEventListener('mouseenter', () => showLink(l - 1, i, j));
        svg.appendChild(line);
        app.links.push(line);
      }
  for (let l = 0; l < sizes.length; ++l) {
    const head = document.createElement('div');
    head.className = 'layer-head';
    head.style.left = `${l * COL - 10}px`;
    head.style.top = '0px';
    head.style.width = `${COL}px`;
    const hiddenIndex = l - 1, isHidden = l > 0 && l < sizes.length - 1;
    if (l === 0) head.innerHTML = `inputs<br>${sizes[0]}`;
    else if (!isHidden) head.innerHTML = `output<br>${sizes[l]} ${s.loss === 'cross_entropy' ? 'softmax' : 'sigmoid'}`;
    else {
      head.innerHTML = `<button data-d="-1" title="remove a unit">−</button> ${sizes[l]} <button data-d="1" title="add a unit">+</button><br>`;
      const sel = document.createElement('select');
      for (const a of ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear']) sel.add(new Option(a, a, false, a === app.config.activations[hiddenIndex]));
      sel.onchange = () => { const c = configFromControls(); c.activations[hiddenIndex] = sel.value; reconfigure(c); };
      head.appendChild(sel);
      for (const b of head.querySelectorAll('button'))
        b.onclick = () => {
          const c = configFromControls();
          c.hidden = [...c.hidden];
          c.hidden[hiddenIndex] = Math.max(1, Math.min(32, c.hidden[hiddenIndex] + Number(b.dataset.d)));
          reconfigure(c);
        };
    }
    el.appendChild(head);
    app.units[l] = [];
    for (let i = 0; i < Math.min(sizes[l], 32); ++i) {
      const cv = document.createElement('canvas');
      cv.className = 'unit';
      cv.width = cv.height = 24;
      const [x, y] = pos(l, i);
      cv.style.left = `${x}px`;
      cv.style.top = `${y}px`;
      cv.title = l === 0 ? s.features[i] : `layer ${l}, unit ${i + 1}`;
      el.appendChild(cv);
      if (l === 0 && s.two_d) drawInputThumb(cv, 24, i);
      app.units[l].push(cv);
    }
  }
}

function drawNetwork(update) {
  if (!app.links) return;
  let maxW = 0;
  for (const layer of update.layers) for (const row of layer.W) for (const w of row) maxW = Math.max(maxW, Math.abs(w));
  for (const line of app.links) {
    // an event of the previous set-up may still arrive while the new one is drawn
    const row = update.layers[line.dataset.l]?.W[line.dataset.i];
    if (!row || row[line.dataset.j] === undefined) continue;
    const w = row[line.dataset.j];
    line.setAttribute('stroke', w >= 0 ? '#0877bd' : '#f59322');
    line.setAttribute('stroke-width', Math.max(0.5, 6 * Math.abs(w) / (maxW || 1)).toFixed(2));
    line.setAttribute('stroke-opacity', '0.75');
  }
  if (!update.thumbs) return;
  const n = update.thumbs.n;
  update.thumbs.layers.forEach((b64, l) => {
    const values = floats(b64);
    if (!update.layers[l]) return;
    const act = update.layers[l].activation;
    (app.units[l + 1] || []).forEach((cv, u) => {
      if (cv.width !== n) cv.width = cv.height = n;
      drawThumb(cv, values, u * n * n, n, act);
    });
  });
}

function showLink(l, i, j) {
  const u = app.update;
  if (!u || !u.layers[l]?.W[i]) return;
  const w = u.layers[l].W[i][j];
  const from = l === 0 ? `x${j + 1}` : `a${j + 1}(${l})`;
  let text = `W(${l + 1})[${i + 1}][${j + 1}]: from ${from} to unit ${i + 1} of layer ${l + 1}\n  weight w = ${fmt(w)}`;
  const t = app.lastTrace;
  if (t) {
    const lt = t.trace.layers[l];
    const a = l === 0 ? t.trace.x[j][0] : t.trace.layers[l - 1].a[j][0];
    text += `\n  for ${t.set} sample #${t.index}: dL/dw = delta${i + 1}(${l + 1}) · ${from} = ${fmt(lt.delta[i][0])} · ${fmt(a)} = ${fmt(lt.dW[i][j])}` +
      (t.trace.updated ? `\n  updated: w − lr·dL/dw = ${fmt(t.weights[l].W[i][j])} − ${fmt(t.trace.lr)}·${fmt(lt.dW[i][j])} = ${fmt(t.trace.updated[l].weights[i][j])}` : '');
  } else {
    text += '\n  (click a point on the map for its gradient dL/dw = delta · a)';
  }
  $('link-info').textContent = text;
  $('link-info').classList.remove('muted');
}

// ---- curves (uPlot) --------------------------------------------------------------------------
let lossPlot, accPlot;
function makePlots() {
  const opts = (title, yLabel) => ({
    title, width: 410, height: 150,
    scales: { x: { time: false } },
    axes: [{}, { label: yLabel, size: 60 }],
    series: [{ label: 'epoch' }, { label: 'train', stroke: '#0877bd', width: 1.5 }, { label: 'test', stroke: '#f59322', width: 1.5 }],
  });
  lossPlot = new uPlot(opts('loss', 'loss'), [[], [], []], $('loss-chart'));
  accPlot = new uPlot(opts('accuracy', 'accuracy'), [[], [], []], $('acc-chart'));
}
function drawCurves(h) {
  if (!h || !h.epoch) { lossPlot.setData([[], [], []]); accPlot.setData([[], [], []]); return; }
  lossPlot.setData([h.epoch, h.loss, h.test_loss]);
  accPlot.setData([h.epoch, h.accuracy, h.test_accuracy]);
}

// ---- training events --------------------------------------------------------------------------
let pending = null;
function onUpdate(update) {
  app.stats.updates++;
  pending = update;
  requestAnimationFrame(drawPending);
}
function drawPending() {
  if (!pending) return;
  const t0 = performance.now();
  const u = pending;
  pending = null;
  app.update = u;
  $('epoch').textContent = u.epoch;
  const lrs = u.history && u.history.lr;  // the last epoch's learning rate, when a schedule moves it
  $('current-lr').textContent = lrs && lrs.length && app.config.lr_schedule !== 'constant' ? `lr ${Number(lrs[lrs.length - 1].toPrecision(4))}` : '';
  const ctx = $('map').getContext('2d');
  if (app.setup.two_d && u.grid) {
    drawRegions(ctx, u.grid, MAP);
    drawPoints(ctx, app.setup, MAP, app.highlight);
  } else {
    ctx.clearRect(0, 0, MAP, MAP);
  }
  drawNetwork(u);
  drawCurves(u.history);
  const h = u.history || {}, last = (k) => (h[k] && h[k].length ? h[k][h[k].length - 1] : null);
  const pct = (v) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);
  $('metrics').innerHTML = `train loss <b id="train-loss">${last('loss') === null ? '–' : fmt(last('loss'))}</b>, accuracy <b id="train-acc">${pct(last('accuracy'))}</b>` +
    (app.setup.test.n ? ` &nbsp; test loss <b>${last('test_loss') === null ? '–' : fmt(last('test_loss'))}</b>, accuracy <b id="test-acc">${pct(last('test_accuracy'))}</b>` : '');
  if (u.status === 'diverged') {
    showStatus(`Training stopped: ${u.message}`);
    setPlaying(false);
  } else if (u.status === 'error' || u.status === 'done') {
    showStatus(u.message, 'warn');
    setPlaying(false);
  } else if (u.status === 'paused' && app.playing && u.epoch > 0) {
    // a pause from elsewhere (another tab of this session)
  }
  app.stats.drawn++;
  app.stats.drawMs = (app.stats.drawMs || 0) + performance.now() - t0;
  const now = performance.now();
  if (now - app.stats.since >= 1000) {
    app.stats.rate = (app.stats.drawn - (app.stats.drawnAt || 0)) * 1000 / (now - app.stats.since);
    app.stats.drawnAt = app.stats.drawn;
    app.stats.since = now;
    $('rate').textContent = app.playing ? `${app.stats.rate.toFixed(0)} updates/s` : '';
  }
}

function setPlaying(on) {
  app.playing = on;
  $('play').textContent = on ? '❚❚ pause' : '▶ play';
}

// ---- the backprop view ------------------------------------------------------------------------
async function showTrace(which) {
  try {
    const r = await session.trace(which.set, which.index);
    app.lastTrace = r;
    app.highlight = which;
    renderTrace($('trace'), r, app.setup.classes);
    if (app.update) { pending = app.update; drawPending(); }
  } catch (e) {
    showStatus(e.message);
  }
}

// ---- the hidden-size comparison -----------------------------------------------------------------
let compareSessions = [];
async function startComparison() {
  stopComparison();
  $('compare-panel').hidden = false;
  const box = $('compare');
  box.innerHTML = '';
  for (const h of [1, 2, 4, 8]) {
    const fig = document.createElement('figure');
    const cv = document.createElement('canvas');
    cv.width = cv.height = 180;
    const cap = document.createElement('figcaption');
    cap.textContent = `2-${h}-1`;
    fig.append(cv, cap);
    box.appendChild(fig);
    let setup = null;
    const s = new Session((u) => {
      if (!setup || !u.grid) return;
      const ctx = cv.getContext('2d');
      drawRegions(ctx, u.grid, 180);
      drawPoints(ctx, setup, 180, null);
      const l = u.history.loss, a = u.history.accuracy;
      cap.textContent = `2-${h}-1: epoch ${u.epoch}` + (l && l.length ? `, loss ${fmt(l[l.length - 1])}, accuracy ${(100 * a[a.length - 1]).toFixed(0)} %` : '');
    });
    compareSessions.push(s);
    try {
      const state = await s.create({ ...PRESETS.xor, hidden: [h], activations: ['sigmoid'], epochs_per_update: 50 });
      setup = state.setup;
      s.onUpdate(state.update);
      await s.command('play');
    } catch (e) {
      cap.textContent = e.message;
    }
  }
}
function stopComparison() {
  for (const s of compareSessions) s.close();
  compareSessions = [];
  $('compare-panel').hidden = true;
}

// ---- wiring ------------------------------------------------------------------------------------
function wire() {
  for (const f of FIELDS) {
    const el = $(f);
    if (el.type === 'range') el.addEventListener('input', () => { el.nextElementSibling.value = el.value; });
    el.addEventListener('change', f === 'epochs_per_update' ? () => reconfigureKeep() : changed);
  }
  $('target').addEventListener('change', changed);
  $('play').onclick = async () => {
    const on = !app.playing;
    setPlaying(on);
    showStatus('');
    await session.command(on ? 'play' : 'pause').catch((e) => showStatus(e.message));
  };
  $('step').onclick = () => { setPlaying(false); session.command('step').catch((e) => showStatus(e.message)); };
  $('reset').onclick = () => { setPlaying(false); showStatus(''); session.command('reset').catch((e) => showStatus(e.message)); };
  $('add-layer').onclick = () => {
    const c = configFromControls();
    if (c.hidden.length >= 6) return;
    c.hidden = [...c.hidden, c.hidden.length ? c.hidden[c.hidden.length - 1] : 4];
    c.activations = [...c.activations, c.activations.length ? c.activations[c.activations.length - 1] : 'tanh'];
    reconfigure(c);
  };
  $('remove-layer').onclick = () => {
    const c = configFromControls();
    c.hidden = c.hidden.slice(0, -1);
    c.activations = c.activations.slice(0, -1);
    reconfigure(c);
  };
  $('map').addEventListener('click', (e) => {
    if (!app.setup || !app.setup.two_d) return;
    const r = e.target.getBoundingClientRect();
    const hit = pick(app.setup, MAP, e.clientX - r.left, e.clientY - r.top);
    if (hit) showTrace(hit);
  });
  $('gradcheck').onclick = async () => {
    try { renderGradcheck($('gradcheck-out'), await session.gradcheck()); } catch (e) { showStatus(e.message); }
  };
  for (const b of document.querySelectorAll('[data-preset]'))
    b.onclick = () => {
      if (b.dataset.preset === 'compare') return startComparison();
      app.csv = null;
      // a preset starts afresh, also when only its rate differs from the current set-up
      reconfigure({ ...PRESETS[b.dataset.preset] }).then(() => {
        if (app.lastTuned) { setPlaying(false); return session.command('reset'); }
      }).catch((e) => showStatus(e.message));
    };
  $('compare-close').onclick = stopComparison;
  $('share').onclick = async () => {
    writeUrl();
    try { await navigator.clipboard.writeText(location.href); showStatus('Link copied (the CSV data itself is not in the link).', 'warn'); } catch { showStatus(`Share this link: ${location.href}`, 'warn'); }
  };
  $('model-file').addEventListener('change', async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    try {
      applyState(await session.loadModel(await f.text(), f.name, configFromControls()));
      showStatus(`Loaded ${f.name}: press play to continue training it, or click a point to inspect it.`, 'warn');
    } catch (err) {
      showStatus(err.message);
    }
    e.target.value = '';
  });
  const loadCsv = async (file) => {
    app.csv = { name: file.name, text: await file.text() };
    $('dataset').value = 'csv';
    changed();
  };
  $('csv-file').addEventListener('change', (e) => { if (e.target.files[0]) loadCsv(e.target.files[0]); e.target.value = ''; });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) loadCsv(e.dataTransfer.files[0]);
  });
  window.addEventListener('pagehide', () => { session.close(); stopComparison(); });
}
// The speed is a tunable setting: the server keeps the network training (see applyState).
function reconfigureKeep() { changed(); }

async function main() {
  makePlots();
  wire();
  app.config = configFromUrl();
  controlsFromConfig(app.config);
  try {
    applyState(await session.create(app.config));
  } catch (e) {
    // e.g. a link to a CSV set-up: the CSV's data is not in the URL
    app.config = { ...DEFAULT };
    applyState(await session.create(app.config));
    showStatus(`${e.message} (started with the default set-up instead)`, 'warn');
  }
  app.ready = true;
}
main();
