// Shared helpers for the web page tests: start Debian's Chromium headless through puppeteer-core
// (which never downloads a browser), each time with a fresh profile that closeBrowser removes,
// and record what a page must never do: log errors, throw, fail a request, reach a host other than
// loopback, or open an alert()/confirm() dialog (the XSS checks assert that none fired).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

// The flags that work on this project's machines (closed network, run as root, no GPU).
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Anything not on loopback (which Chromium never proxies) goes to a closed local port and fails
  // there, so a page under test cannot reach another host even while collectPageProblems flags it.
  '--proxy-server=127.0.0.1:9',
];

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
const INLINE_SCHEMES = new Set(['data:', 'blob:', 'about:']);
const profileDirs = new WeakMap();

export async function launchBrowser() {
  const userDataDir = await mkdtemp(join(tmpdir(), 'colotrace-chromium-'));
  try {
    const browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      headless: true,
      userDataDir,
      args: CHROMIUM_FLAGS,
    });
    profileDirs.set(browser, userDataDir);
    return browser;
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

export async function closeBrowser(browser) {
  const userDataDir = profileDirs.get(browser);
  try {
    await browser.close();
  } finally {
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  }
}

// Attach before page.goto(); returns an array of strings that stays empty while all is well.
export function collectPageProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message ?? err}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`));
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!INLINE_SCHEMES.has(url.protocol) && !LOCAL_HOSTS.has(url.hostname)) {
      problems.push(`request to a non-local host: ${req.method()} ${req.url()}`);
    }
  });
  return problems;
}

// Attach before page.goto(); every alert/confirm/prompt/beforeunload is recorded and dismissed.
export function dialogGuard(page) {
  const dialogs = [];
  page.on('dialog', async (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    await dialog.dismiss().catch(() => {});
  });
  return dialogs;
}
