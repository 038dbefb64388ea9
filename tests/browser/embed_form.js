// A website on another origin embeds a Servdesk web form with one <script> tag: a person
// tries to send it empty (the form says what is required, in its language), fills it in
// and sends it; a site whose origin the form does not list gets no form. Prints one JSON
// line for the Rust test to check.
// Usage: node embed_form.js <allowed page url> <other page url>
const { chromium } = require('playwright-core');

(async () => {
  const [allowedPage, otherPage] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.SERVDESK_TEST_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-proxy-server', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    await page.goto(allowedPage);
    await page.locator('form.servdesk-form').waitFor({ timeout: 20000 });
    const labels = await page.$$eval('.servdesk-label', els => els.map(e => e.textContent));

    await page.click('.servdesk-submit');
    const requiredError = await page.locator('.servdesk-field[data-name="email"] .servdesk-error').textContent();
    const invalidFields = await page.$$eval('.servdesk-field--invalid', els => els.map(e => e.getAttribute('data-name')));

    await page.fill('.servdesk-field[data-name="name"] input', 'Ivo Horvat');
    await page.fill('.servdesk-field[data-name="email"] input', 'ivo@example.com');
    await page.selectOption('.servdesk-field[data-name="department"] select', 'heating');
    await page.fill('.servdesk-field[data-name="message"] textarea', 'No hot water since this morning.');
    // A person takes a moment; the form refuses faster senders as bots.
    await page.waitForTimeout(1500);
    await page.click('.servdesk-submit');
    await page.locator('.servdesk-success').waitFor({ timeout: 20000 });
    const success = await page.locator('.servdesk-success').textContent();

    const other = await browser.newPage();
    await other.goto(otherPage);
    await other.waitForFunction(() => document.querySelector('#servdesk-form').getAttribute('data-servdesk-error') === 'unavailable', null, { timeout: 20000 });
    const blockedForm = await other.locator('form.servdesk-form').count();

    console.log(JSON.stringify({ labels, requiredError, invalidFields, success, blockedForm, errors }));
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e); process.exit(1); });
