// measure_speed.mjs — updates per second drawn by the page (not a test: a measurement for the
// README). node measure_speed.mjs URL [SECONDS]
// A 2-8-8-1 net (tanh) on 500 points (circle), 100x100 decision grid and every unit's thumbnail,
// one epoch per update: counts the training events the page receives and draws.
import { chromium } from 'playwright-core';
const [url, seconds = '10'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1320, height: 1000 } });
const config = { dataset: 'circle', n: 500, noise: 0.1, hidden: [8, 8], activations: ['tanh', 'tanh'],
  loss: 'bce', optimizer: 'adam', lr: 0.01, epochs_per_update: 1 };
await page.goto(`${url}#${encodeURIComponent(JSON.stringify(config))}`);
await page.waitForFunction(() => window.playground && window.playground.ready);
await page.click('#play');
await page.waitForTimeout(2000);  // warm up
const start = await page.evaluate(() => ({ ms: playground.stats.drawMs, drawn: playground.stats.drawn, received: playground.stats.updates, epoch: playground.update.epoch, t: performance.now() }));
await page.waitForTimeout(Number(seconds) * 1000);
const end = await page.evaluate(() => ({ ms: playground.stats.drawMs, drawn: playground.stats.drawn, received: playground.stats.updates, epoch: playground.update.epoch, t: performance.now(),
  grid: playground.update.grid.n, thumbs: playground.update.thumbs.layers.length, train: playground.setup.train.n }));
const s = (end.t - start.t) / 1000;
console.log(`2-8-8-1 on ${end.train} points, ${end.grid}x${end.grid} grid, thumbnails of ${end.thumbs} layers: ` +
  `${((end.drawn - start.drawn) / s).toFixed(1)} updates/s drawn, ${((end.received - start.received) / s).toFixed(1)} received, ` +
  `${((end.epoch - start.epoch) / s).toFixed(1)} epochs/s over ${s.toFixed(1)} s; ` +
  `${((end.ms - start.ms) / (end.drawn - start.drawn)).toFixed(1)} ms of script per drawn update`);
await browser.close();
