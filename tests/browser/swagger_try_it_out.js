// Opens Swagger UI, lists the operations it shows, authorises with a bearer token and runs
// "Try it out" on GET /api/v1/me. Prints one JSON line for the Rust test to check.
// Usage: node swagger_try_it_out.js <base url> <access token>
const { chromium } = require('playwright-core');

(async () => {
  const [base, token] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.SERVDESK_TEST_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-proxy-server', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    // Anything the page's content security policy blocks is reported as a console error.
    const errors = [];
    page.on('console', msg => { if (msg.type() === 'error') errors.push(msg.text()); });
    page.on('pageerror', e => errors.push(String(e)));
    await page.goto(base + '/docs/');
    await page.locator('.opblock-summary-path').first().waitFor({ timeout: 20000 });
    const paths = await page.$$eval('.opblock-summary-path', els => els.map(e => e.getAttribute('data-path')));

    await page.click('button.authorize');
    await page.fill('.auth-container input', token);
    await page.click('.auth-btn-wrapper button.authorize');
    await page.click('.btn-done');

    const op = page.locator('#operations-auth-get_me');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 20000 });
    const body = await op.locator('.live-responses-table .microlight').first().innerText();
    console.log(JSON.stringify({ paths, status: (await status.innerText()).trim(), body, errors }));
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e); process.exit(1); });
