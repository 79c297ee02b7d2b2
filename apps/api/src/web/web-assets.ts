import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { static as serveStatic } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** URL under /vendor/ → file in node_modules (xterm.js, vendored: the page loads nothing from the internet). */
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'xterm.js': '@xterm/xterm/lib/xterm.js',
  'xterm.css': '@xterm/xterm/css/xterm.css',
  'addon-fit.js': '@xterm/addon-fit/lib/addon-fit.js',
};

/**
 * The page's own policy: same-origin scripts, fetches and WebSockets only (the ws: and wss: of
 * its host spelled out for browsers where 'self' does not cover them). xterm.js adds <style>
 * elements for its theme, hence 'unsafe-inline' for styles (never for scripts).
 */
export function pagePolicy(host: string | undefined): string {
  const sockets = host && /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The directory holding apps/api/web, from the sources (apps/api/src/web) or their build (dist/apps/api/src/web). */
export function webRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'apps', 'api', 'web', 'index.html'))) return dir;
    if (dirname(dir) === dir) throw new Error(`apps/api/web not found above ${from}`);
  }
}

/** Serves the web page (apps/api/web) at `/` and the vendored xterm.js files at `/vendor/`. */
export function serveWebAssets(app: NestExpressApplication): void {
  const root = webRoot();
  const vendor = new Map(Object.entries(VENDOR_FILES).map(([name, file]) => [`/${name}`, require.resolve(file, { paths: [root] })]));

  app.use('/vendor', (req: Request, res: Response, next: NextFunction) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? vendor.get(req.path) : undefined;
    if (!file) return next();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(file, { maxAge: '1d' }, (e?: Error) => e && next(e));
  });

  // ETag revalidation (maxAge 0): a new deployment is seen at once, an unchanged file is a 304.
  const page = serveStatic(join(root, 'apps', 'api', 'web'), {
    index: 'index.html',
    maxAge: 0,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (path.endsWith('.html')) {
        res.setHeader('Content-Security-Policy', pagePolicy(res.req.headers.host));
        res.setHeader('Referrer-Policy', 'no-referrer');
      }
    },
  });
  // The API's own paths never touch the disk: a file lookup per request cost a classroom rush ~7% of its CPU.
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/api/') ? next() : page(req, res, next)));
}
