// Starting `nodegrid serve` and Debian's Chromium, shared by the e2e tests
// (through browser.ts and serve.ts), scripts/screenshot.mjs and the serve
// bench. Plain JavaScript so scripts/ and bench/ (run by node without a TS
// loader) can use it.
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.NODEGRID_CHROMIUM ?? '/usr/bin/chromium';

// No sandbox (we run as root); nothing that reaches the internet (closed here,
// and none of a test's business). Playwright gives each launch a fresh profile.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
];

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * `node BIN serve --port 0 ARGS` on 127.0.0.1; resolves once it prints its URL
 * (the OS picked the port), with stop() sending SIGTERM (SIGKILL after 5 s).
 */
export function startServeProcess(bin, args, env, timeoutMs = 20_000) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve printed no URL within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code} before printing its URL; stderr: ${stderr}`));
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      const m = /http:\/\/[^\s:]+:(\d+)\//.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({ url: `http://127.0.0.1:${port}/`, port, child, stderr: () => stderr, stop });
    });
  });
}
