import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodegridError } from '../core/errors';

/**
 * The page's static files, built by scripts/build.mjs into web/ beside the
 * bundle (dist/web/). Read once at start into memory: a fixed set of names,
 * so no request path ever becomes a file-system path.
 */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const PAGE_FILE = 'index.html';

export interface AssetSet {
  readonly page: Asset;
  /** By name, as requested at "/<name>". */
  readonly files: ReadonlyMap<string, Asset>;
  readonly names: ReadonlySet<string>;
}

/** The server is a chunk under dist/chunks/ (or the bundle itself): web/ is beside the bundle. */
export function findAssetDir(moduleUrl: string): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const candidates = [path.join(here, 'web'), path.join(here, '..', 'web')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, PAGE_FILE)));
  if (!found) {
    throw new NodegridError('E_UNEXPECTED', `the dashboard's page is missing: no web/${PAGE_FILE} beside the nodegrid bundle (looked in ${candidates.join(', ')})`, {
      hint: 'rebuild with: npm run build (it writes dist/web/ beside dist/nodegrid.cjs)',
    });
  }
  return found;
}

export function loadAssets(dir: string): AssetSet {
  const files = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type === undefined || name === PAGE_FILE) continue;
    files.set(name, { type, body: fs.readFileSync(path.join(dir, name)) });
  }
  const page = { type: TYPES['.html']!, body: fs.readFileSync(path.join(dir, PAGE_FILE)) };
  // Browsers ask for /favicon.ico whatever the page says; answer with the SVG rather than a 404 in the console.
  const icon = files.get('favicon.svg');
  if (icon) files.set('favicon.ico', icon);
  return { page, files, names: new Set(files.keys()) };
}
