// playground.mjs — the playground in headless chromium (playwright-core), against a server the
// calling script started: node playground.mjs URL BACKPROP-BINARY SCRATCH-DIR [SCREENSHOT-DIR]
//
// Loads the page (the initial state is drawn before any training event), trains XOR to 100 %
// accuracy, clicks a point and compares every number of the backprop view with `backprop trace`
// on the same model and sample, hovers a link, checks gradients, downloads the model, resets and
// loads it back (and a broken model file: its message), loads a bad CSV (the library's message
// with line and column) and drops a 3-feature CSV on the page, makes training diverge, and
// reloads from a shared URL to the same set-up. With SCREENSHOT-DIR it also writes the README's
// screenshots.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [url, bp, scratch, shots] = process.argv.slice(2);
let failures = 0, passes = 0;
function check(what, ok, detail = '') {
  if (ok) passes++;
  else { failures++; console.log(`FAIL: ${what}${detail ? `: ${detail}` : ''}`); }
}
// The page's rule for shown numbers (backprop_view.js): 10 significant digits, shortest form.
const fmt = (v) => (v === 0 ? '0' : String(Number(Number(v).toPrecision(10))));
const at = (obj, path) => path.split('.').reduce((o, k) => (o === undefined ? undefined : o[k]), obj);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1320, height: 1000 } });
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.setDefaultTimeout(20000);
const ready = (p) => p.waitForFunction(() => window.playground && window.playground.ready);

try {
  // ---- the initial state, before any training event
  await page.goto(url);
  await ready(page);
  const initial = await page.evaluate(() => {
    const ctx = document.getElementById('map').getContext('2d');
    const px = ctx.getImageData(200, 200, 1, 1).data;
    return { epoch: playground.update.epoch, updates: playground.stats.updates, alpha: px[3],
      units: document.querySelectorAll('.unit').length, text: document.getElementById('epoch').textContent };
  });
  check('the untrained net is drawn on load', initial.epoch === 0 && initial.alpha === 255 && initial.text === '0', JSON.stringify(initial));
  check('every unit has its thumbnail (2-4-1: 7 units)', initial.units === 7, String(initial.units));

  // ---- XOR to 100 % accuracy
  const setups = await page.evaluate(() => playground.setupCount);
  await page.click('[data-preset=xor]');
  await page.waitForFunction((n) => playground.setupCount > n && playground.update.epoch === 0, setups);
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('train-acc')?.textContent === '100.0 %');
  await page.click('#play');  // pause
  await page.waitForFunction(() => playground.update.status === 'paused');
  await page.waitForTimeout(200);
  check('XOR reaches 100 % accuracy', true);

  // ---- click a point: the backprop view equals `backprop trace` on the same model and sample
  const target = await page.evaluate(() => {
    const s = playground.setup, [a0, a1, b0, b1] = s.plane;
    const i = 1;  // (0, 1) -> 1
    return { x: (s.train.x1[i] - a0) / (a1 - a0) * 400, y: (b1 - s.train.x2[i]) / (b1 - b0) * 400, i };
  });
  await page.click('#map', { position: { x: target.x, y: target.y } });
  await page.waitForFunction(() => playground.lastTrace && document.querySelector('#trace [data-q]'));
  const view = await page.evaluate(() => ({
    r: playground.lastTrace,
    shown: [...document.querySelectorAll('#trace [data-q]')].map((e) => [e.dataset.q, e.textContent]),
  }));
  check('the clicked point is the one traced', view.r.set === 'train' && view.r.index === target.i, `${view.r.set} ${view.r.index}`);
  const modelFile = join(scratch, 'clicked_model.json');
  writeFileSync(modelFile, JSON.stringify(view.r.model));
  const x = view.r.trace.x.map((row) => row[0]).join(','), y = view.r.trace.y.map((row) => row[0]).join(',');
  const cli = JSON.parse(execFileSync(bp, ['trace', '--model', modelFile, '--x', x, '--y', y, '--lr', String(view.r.lr), '--format', 'json']).toString());
  let mismatches = 0;
  for (const [q, text] of view.shown) {
    const want = at(cli, q);
    if (want === undefined || fmt(want) !== text) {
      if (mismatches++ < 5) console.log(`  ${q}: page ${text}, backprop trace ${want}`);
    }
  }
  check(`all ${view.shown.length} numbers of the backprop view equal backprop trace's`, mismatches === 0 && view.shown.length > 40, `${mismatches} differ`);
  const text = await page.textContent('#trace');
  check('the formulas are written out', text.includes('z1(1) =') && text.includes('dL/dW11(2) = delta1 · a1(1) =') && text.includes('W ←'));

  // ---- hover a link: its weight and dL/dw = delta · a
  await page.hover('#network svg path >> nth=0', { force: true });
  const link = await page.textContent('#link-info');
  check('hovering a link shows its weight and gradient', /weight w = .*dL\/dw = delta1\(1\) · x1 = /s.test(link), link);

  // ---- check gradients
  await page.click('#gradcheck');
  await page.waitForSelector('#gradcheck-out table');
  const gc = await page.textContent('#gradcheck-out');
  check('the gradient check runs and passes', gc.includes('PASSED') && gc.includes('W1') && gc.includes('b2'), gc.slice(0, 200));
  if (shots) await page.screenshot({ path: join(shots, 'playground_xor.png'), fullPage: true });

  // ---- download the model, reset (the initial weights again), load the download back
  const saved = await page.evaluate(async () => (await fetch(document.getElementById('download-model').href)).text());
  const trainedW = JSON.parse(saved).layers[0].weights;
  // the ONNX download: an ONNX file (a protobuf ModelProto: field 1, the IR version, comes first)
  const onnx = await page.evaluate(async () => {
    const r = await fetch(document.getElementById('download-onnx').href);
    return { status: r.status, type: r.headers.get('content-type'), bytes: Array.from(new Uint8Array(await r.arrayBuffer()).slice(0, 2)), size: Number(r.headers.get('content-length')) };
  });
  check('the ONNX button downloads an ONNX file', onnx.status === 200 && onnx.type === 'application/octet-stream' && onnx.bytes[0] === 0x08 && onnx.size > 100, JSON.stringify(onnx));
  await page.click('#reset');
  await page.waitForFunction(() => playground.update.epoch === 0);
  const resetW = await page.evaluate(() => playground.update.layers[0].W);
  check('reset brings back the initial weights', JSON.stringify(resetW) !== JSON.stringify(trainedW));
  await page.setInputFiles('#model-file', { name: 'xor.json', mimeType: 'application/json', buffer: Buffer.from(saved) });
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('Loaded xor.json'));
  const loaded = await page.evaluate(() => ({ W: playground.update.layers[0].W, acc: document.getElementById('train-acc')?.textContent }));
  check('a downloaded model loads back with its weights', JSON.stringify(loaded.W) === JSON.stringify(trainedW), JSON.stringify(loaded));
  await page.setInputFiles('#model-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "backprop-model", "version": 7}') });
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('broken.json'));
  const msg = await page.textContent('#status');
  check('a broken model file gets the library\'s message', msg.includes('broken.json') && msg.includes('version'), msg);

  // ---- a CSV with an error: the library's message, with line and column
  await page.setInputFiles('#csv-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,label\n1,2,x\n3,oops,y\n') });
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('bad.csv'));
  const badCsv = await page.textContent('#status');
  check('a bad CSV shows the library\'s message', badCsv.includes("bad.csv:3:2 (column 'b'): expected a finite number, found 'oops'"), badCsv);

  // ---- a CSV with 3 features, dropped on the page: no map, everything else works
  const rows = ['u,v,w,kind'];
  for (let i = 0; i < 40; ++i) rows.push(`${i % 7},${(i * 3) % 5},${i % 2},${i % 3 === 0 ? 'odd' : 'even'}`);
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'three.csv', { type: 'text/csv' }));
    return dt;
  }, rows.join('\n'));
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  await page.waitForFunction(() => playground.setup && playground.setup.inputs === 3);
  const note = await page.textContent('#map-note');
  check('3 features: the map panel says so', note.includes('3 input features'), note);
  await page.click('#step');
  await page.waitForFunction(() => playground.update.epoch === 1);
  await page.click('#sample-go');
  await page.waitForFunction(() => playground.lastTrace && playground.lastTrace.trace.x.length === 3);
  check('3 features: the backprop view works', true);

  // ---- divergence stops the run and says what to try (a set-up given in the URL)
  await page.goto('about:blank');
  await page.goto(`${url}#${encodeURIComponent(JSON.stringify({ dataset: 'circle', hidden: [8, 8], activations: ['relu', 'relu'], loss: 'cross_entropy', optimizer: 'momentum', lr: 100 }))}`);
  await ready(page);
  await page.click('#play');
  await page.waitForFunction(() => playground.update.status === 'diverged');
  const div = await page.textContent('#status');
  check('divergence stops the run and says what to try', div.includes('training diverged at epoch') && div.includes('Try a smaller learning rate'), div);
  const playing = await page.evaluate(() => playground.playing);
  check('after divergence the page is paused', playing === false);

  // ---- the set-up in the URL: moons, 2 hidden layers, adam, a test split
  await page.selectOption('#dataset', 'moons');
  await page.waitForFunction(() => playground.setup.config.dataset === 'moons');
  await page.click('#add-layer');
  await page.waitForFunction(() => playground.setup.config.hidden.length === 3);
  await page.click('#network .layer-head >> nth=1 >> button[data-d="-1"]');
  await page.waitForFunction(() => playground.setup.config.hidden[0] === 7);
  await page.selectOption('#network .layer-head >> nth=2 >> select', 'tanh');
  await page.waitForFunction(() => playground.setup.config.activations[1] === 'tanh');
  await page.selectOption('#optimizer', 'adam');
  await page.waitForFunction(() => playground.setup.config.optimizer === 'adam');
  await page.fill('#lr', '0.03');
  await page.dispatchEvent('#lr', 'change');
  await page.waitForFunction(() => playground.setup.config.lr === 0.03);
  await page.$eval('#test_fraction', (e) => { e.value = '0.2'; e.dispatchEvent(new Event('change')); });
  await page.waitForFunction(() => playground.setup.config.test_fraction === 0.2);
  const before = await page.evaluate(() => ({ url: location.href, config: playground.setup.config, test: playground.setup.test.n }));
  const page2 = await context.newPage();
  page2.on('pageerror', (e) => errors.push(e.message));
  await page2.goto(before.url);
  await ready(page2);
  const after = await page2.evaluate(() => ({ config: playground.setup.config, test: playground.setup.test.n,
    lr: document.getElementById('lr').value, opt: document.getElementById('optimizer').value, units: document.querySelectorAll('.unit').length }));
  check('a shared URL gives the same set-up', JSON.stringify(after.config) === JSON.stringify(before.config) && after.test === before.test && before.test > 0,
    `${JSON.stringify(before.config)} vs ${JSON.stringify(after.config)}`);
  check('... shown in the controls', after.lr === '0.03' && after.opt === 'adam' && after.units === 2 + 7 + 8 + 8 + 2, JSON.stringify(after));
  if (shots) {
    await page2.click('#play');
    await page2.waitForFunction(() => playground.update.epoch >= 300);
    await page2.click('#play');
    await page2.waitForTimeout(300);
    await page2.screenshot({ path: join(shots, 'playground_moons.png'), fullPage: true });
    // multi-class: spirals with 4 classes, cross-entropy
    await page2.goto('about:blank');
    await page2.goto(`${url}#${encodeURIComponent(JSON.stringify({ dataset: 'spirals', classes: 4, n: 400, noise: 0.1, hidden: [16, 16], activations: ['relu', 'relu'], loss: 'cross_entropy', optimizer: 'adam', lr: 0.02, epochs_per_update: 20 }))}`);
    await ready(page2);
    await page2.click('#play');
    await page2.waitForFunction(() => playground.update.epoch >= 1500, null, { timeout: 40000 });
    await page2.click('#play');
    await page2.waitForTimeout(300);
    await page2.screenshot({ path: join(shots, 'playground_spirals.png'), fullPage: true });
    await page2.click('[data-preset=compare]');
    await page2.waitForFunction(() => [...document.querySelectorAll('#compare figcaption')].filter((c) => /epoch [1-9]\d{3}/.test(c.textContent)).length === 4, null, { timeout: 40000 });
    await page2.locator('#compare-panel').screenshot({ path: join(shots, 'playground_compare.png') });
  }
  await page2.close();
  check('no script errors in the page', errors.length === 0, errors.join('; '));
} catch (e) {
  failures++;
  console.log(`FAIL: ${e.message.split('\n')[0]} at ${(e.stack.match(/playground.mjs:\d+/) || [''])[0]}`);
  console.log(await page.evaluate(() => JSON.stringify(playground.setup.config) + ' ' + document.getElementById('status').textContent).catch(() => ''));
  if (process.env.FAILURE_SHOT) await page.screenshot({ path: process.env.FAILURE_SHOT, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(`serve_browser: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
