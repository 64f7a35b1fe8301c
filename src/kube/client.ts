// The installer's connection to the cluster: which kubeconfig, and raw GETs for list+watch.
// client-node loads the kubeconfig and applies its credentials (client certificates, tokens,
// exec plugins, proxies) through applyToHTTPSOptions; the requests themselves are plain
// node:http(s) so the informer can abort a request that hangs before its response headers,
// which client-node's Watch cannot (it hands out its AbortController only after the headers).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type ApiConstructor, type ApiType } from '@kubernetes/client-node';
import { UserError } from '../commands/io';
import type { Status } from './types';

export type KubeconfigOrigin = 'profile' | 'KUBECONFIG' | 'default';

export interface KubeconfigLocation {
  /** Absolute paths; KUBECONFIG may name several, merged in order like kubectl does. */
  paths: string[];
  origin: KubeconfigOrigin;
}

export interface KubeconfigOptions {
  /** The profile's genestack.kubeconfig (may start with ~/). */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Profile's genestack.kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
export function locateKubeconfig(opts: KubeconfigOptions = {}): KubeconfigLocation {
  const env = opts.env ?? process.env;
  const home = opts.home ?? os.homedir();
  if (opts.kubeconfig) {
    return { paths: [path.resolve(expandHome(opts.kubeconfig, home))], origin: 'profile' };
  }
  const fromEnv = (env.KUBECONFIG ?? '')
    .split(path.delimiter)
    .filter((p) => p !== '')
    .map((p) => path.resolve(expandHome(p, home)));
  if (fromEnv.length > 0) return { paths: fromEnv, origin: 'KUBECONFIG' };
  return { paths: [path.join(home, '.kube', 'config')], origin: 'default' };
}

function originText(origin: KubeconfigOrigin): string {
  switch (origin) {
    case 'profile':
      return 'genestack.kubeconfig in the profile';
    case 'KUBECONFIG':
      return 'the KUBECONFIG environment variable';
    case 'default':
      return 'the default, as neither genestack.kubeconfig nor KUBECONFIG is set';
  }
}

const FIX_MISSING =
  'The installer writes it in the "Fetch the kubeconfig" phase (P6): run or resume the deployment from that phase, ' +
  'or copy /etc/kubernetes/admin.conf from a control-plane host there, or point genestack.kubeconfig in the profile at an existing kubeconfig';

/** Reads and merges the kubeconfig; every failure is a UserError naming the file and the fix. */
export function loadKubeConfig(opts: KubeconfigOptions = {}): {
  kubeConfig: KubeConfig;
  location: KubeconfigLocation;
  file: string;
} {
  const location = locateKubeconfig(opts);
  const from = originText(location.origin);
  const existing = location.paths.filter((p) => fs.existsSync(p));
  if (existing.length === 0) {
    const names = location.paths.join(', ');
    throw new UserError(`kubeconfig not found: ${names} (from ${from}). ${FIX_MISSING}.`);
  }
  const kubeConfig = new KubeConfig();
  for (const [i, file] of existing.entries()) {
    const kc = i === 0 ? kubeConfig : new KubeConfig();
    try {
      if (!fs.statSync(file).isFile()) {
        throw new UserError(`kubeconfig ${file} (from ${from}) is not a file; ${FIX_MISSING}.`);
      }
      const text = fs.readFileSync(file, 'utf8');
      if (text.trim() === '') {
        throw new UserError(`kubeconfig ${file} (from ${from}) is empty. ${FIX_MISSING}.`);
      }
      kc.loadFromString(text);
      kc.makePathsAbsolute(path.dirname(file));
    } catch (e) {
      if (e instanceof UserError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EACCES') {
        throw new UserError(
          `cannot read kubeconfig ${file} (from ${from}): permission denied. ` +
            `Run the installer as the user that owns it, or give that user read access (chmod 600 keeps it private).`,
        );
      }
      throw new UserError(
        `cannot load kubeconfig ${file} (from ${from}): ${err.message}. ` +
          `Check that it is a kubeconfig YAML file (kubectl --kubeconfig ${file} config view).`,
      );
    }
    if (i > 0) mergeFirstWins(kubeConfig, kc);
  }
  const file = existing[0]!;
  const cluster = kubeConfig.getCurrentCluster();
  if (!kubeConfig.getCurrentContext() || !cluster) {
    throw new UserError(
      `kubeconfig ${file} (from ${from}) has no usable current context` +
        (kubeConfig.getCurrentContext()
          ? ` ("${kubeConfig.getCurrentContext()}" names no cluster)`
          : '') +
        `. Set one with: kubectl --kubeconfig ${file} config use-context CONTEXT`,
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new UserError(
      `kubeconfig ${file}: cluster "${cluster.name}" uses plain http (${cluster.server}), which @kubernetes/client-node ` +
        `refuses unless insecure-skip-tls-verify: true is set for that cluster; use the https address of the API server.`,
    );
  }
  return { kubeConfig, location, file };
}

/** kubectl's rule for KUBECONFIG lists: the first file to set a value wins. */
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  if (!into.currentContext && from.currentContext) into.currentContext = from.currentContext;
  for (const c of from.clusters) if (!into.getCluster(c.name)) into.addCluster(c);
  for (const u of from.users) if (!into.getUser(u.name)) into.addUser(u);
  for (const x of from.contexts) if (!into.getContextObject(x.name)) into.addContext(x);
}

/** The API answered with an error status (a Kubernetes Status object, usually). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The API could not be reached, or stopped answering. */
export class KubeUnreachableError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'KubeUnreachableError';
  }
}

/** 410 Gone / Expired: the resourceVersion is too old; list again. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.statusCode === 410 || err.reason === 'Expired');
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Give up when no response headers arrived within this time. */
  timeoutMs?: number;
  accept?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export function statusError(
  statusCode: number,
  body: string,
  path: string,
  statusMessage = '',
): KubeApiError {
  let status: Status | undefined;
  try {
    status = JSON.parse(body) as Status;
  } catch {
    status = undefined;
  }
  const reason = status?.reason ?? (statusMessage || http.STATUS_CODES[statusCode] || 'Error');
  const text = status?.message ?? (body.trim().slice(0, 200) || reason);
  let hint = '';
  if (statusCode === 401)
    hint = '; the kubeconfig credentials were rejected (expired token or certificate?)';
  if (statusCode === 403)
    hint = '; the kubeconfig user lacks permission (the installer needs cluster-admin)';
  return new KubeApiError(statusCode, reason, `${statusCode} ${reason}: ${text}${hint}`, path);
}

export class KubeClient {
  readonly server: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    /** Where the kubeconfig came from, for messages. */
    readonly source = 'kubeconfig',
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new UserError(`${source} has no current cluster`);
    this.server = cluster.server;
  }

  /** Loads the kubeconfig (profile, KUBECONFIG, ~/.kube/config) and builds a client. */
  static fromKubeconfig(opts: KubeconfigOptions = {}): KubeClient {
    const { kubeConfig, file } = loadKubeConfig(opts);
    return new KubeClient(kubeConfig, file);
  }

  /** A generated client-node API client (CoreV1Api, AppsV1Api ...) with the same credentials. */
  api<T extends ApiType>(ctor: ApiConstructor<T>): T {
    return this.kubeConfig.makeApiClient(ctor);
  }

  /** GET and parse JSON; non-2xx answers throw KubeApiError, network failures KubeUnreachableError. */
  async getJson<T>(apiPath: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(apiPath, opts);
    const body = await readBody(
      res,
      opts.signal,
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      this.server,
    );
    if (res.statusCode !== 200)
      throw statusError(res.statusCode ?? 0, body, apiPath, res.statusMessage);
    try {
      return JSON.parse(body) as T;
    } catch (e) {
      throw new KubeApiError(
        200,
        'BadResponse',
        `invalid JSON from ${apiPath}: ${(e as Error).message}`,
        apiPath,
      );
    }
  }

  /**
   * GET for a stream (watch). Resolves with the response once its headers arrived with 200;
   * other statuses throw KubeApiError. Abort the signal to close the stream.
   */
  async openStream(apiPath: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.open(apiPath, opts);
    if (res.statusCode === 200) return res;
    const body = await readBody(
      res,
      opts.signal,
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      this.server,
    );
    throw statusError(res.statusCode ?? 0, body, apiPath, res.statusMessage);
  }

  private async open(apiPath: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.server + apiPath);
    const options: https.RequestOptions = {
      method: 'GET',
      headers: { Accept: opts.accept ?? 'application/json' },
    };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(abortError(opts.signal));
        return;
      }
      const req = request(url, { ...options, signal: opts.signal }, (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      const timer = setTimeout(() => {
        req.destroy(
          new KubeUnreachableError(
            `no answer from the Kubernetes API at ${this.server} within ${formatMs(timeoutMs)}`,
            'ETIMEDOUT',
          ),
        );
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (opts.signal?.aborted) reject(abortError(opts.signal));
        else if (e instanceof KubeUnreachableError) reject(e);
        else {
          reject(
            new KubeUnreachableError(
              `cannot reach the Kubernetes API at ${this.server}: ${e.message}`,
              e.code,
            ),
          );
        }
      });
      req.end();
    });
  }
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new DOMException('The operation was aborted', 'AbortError');
}

/** Reads a whole body; a body that stops arriving for idleMs fails as unreachable. */
function readBody(
  res: http.IncomingMessage,
  signal: AbortSignal | undefined,
  idleMs: number,
  server: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        res.destroy(
          new KubeUnreachableError(
            `the Kubernetes API at ${server} stopped sending its answer for ${formatMs(idleMs)}`,
            'ETIMEDOUT',
          ),
        );
      }, idleMs);
    };
    arm();
    res.on('data', (c: Buffer) => {
      chunks.push(c);
      arm();
    });
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', (e) => {
      clearTimeout(timer);
      if (signal?.aborted) reject(abortError(signal));
      else if (e instanceof KubeUnreachableError) reject(e);
      else
        reject(
          new KubeUnreachableError(
            `connection to the Kubernetes API at ${server} lost: ${e.message}`,
          ),
        );
    });
  });
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
