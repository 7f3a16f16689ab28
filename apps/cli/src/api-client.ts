// Fulcrum's tRPC API over plain fetch, as the browser uses it: one procedure per HTTP request
// (no batching), superjson's wire format ({"json": input}), the session cookie kept in memory only,
// and an Origin header on mutations because the server refuses mutations without a same-origin one.
// No tRPC client library: four procedures do not justify a dependency and its version coupling.

const TIMEOUT_MS = 30_000;

/** The server answered with an error (validation, auth, not found, ...). */
export class ApiError extends Error {
  constructor(
    readonly procedure: string,
    readonly status: number,
    message: string,
    /** tRPC's code, e.g. BAD_REQUEST, UNAUTHORIZED. */
    readonly code: string,
    /** Fulcrum's domain code, e.g. VALIDATION, NOT_FOUND, IN_USE; null when the server gave none. */
    readonly appCode: string | null,
    /** Input field → messages, as the server's error formatter reports them. */
    readonly fieldErrors: Record<string, string[]> | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all: the server is down, the address is wrong, or the request timed out. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly interrupted = false,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

type TrpcBody = {
  result?: { data?: { json?: unknown } };
  error?: { json?: { message?: string; data?: { code?: string; appCode?: string | null; fieldErrors?: Record<string, string[]> | null } } };
};

/** A tRPC client for one Fulcrum server. */
export class FulcrumApi {
  private readonly cookies = new Map<string, string>();

  constructor(
    /** http(s)://host:port[/prefix], no trailing slash. */
    readonly baseUrl: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** True once the server set a cookie (a session) that has not been cleared since. */
  get hasSession(): boolean {
    return this.cookies.size > 0;
  }

  query<T>(procedure: string, input?: unknown): Promise<T> {
    return this.call<T>(procedure, input, false);
  }

  mutate<T>(procedure: string, input?: unknown): Promise<T> {
    return this.call<T>(procedure, input, true);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Keeps what Set-Cookie gives; an expired or emptied cookie (logout) is dropped. */
  private storeCookies(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private async call<T>(procedure: string, input: unknown, isMutation: boolean): Promise<T> {
    const url = new URL(`${this.baseUrl}/api/trpc/${procedure}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    const wire = input === undefined ? undefined : JSON.stringify({ json: input });
    let init: RequestInit;
    if (isMutation) {
      headers['content-type'] = 'application/json';
      headers.origin = url.origin;
      init = { method: 'POST', headers, body: wire ?? '{}' };
    } else {
      if (wire !== undefined) url.searchParams.set('input', wire);
      init = { method: 'GET', headers };
    }
    // One controller per request, tied to the run's signal only while the request lasts: a
    // listener left on the long-lived signal per poll would pile up (and Node warns at eleven).
    if (this.signal?.aborted) throw new ConnectionError('Interrupted', true);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.signal?.addEventListener('abort', onAbort, { once: true });
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      controller.abort();
    }, TIMEOUT_MS);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, redirect: 'manual', signal: controller.signal });
      this.storeCookies(response);
      text = await response.text();
    } catch (error) {
      if (this.signal?.aborted) throw new ConnectionError('Interrupted', true);
      if (isTimedOut) throw new ConnectionError(`Fulcrum at ${this.baseUrl} did not answer ${procedure} within ${TIMEOUT_MS / 1000} s`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ConnectionError(`Cannot reach Fulcrum at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}): is it running, and is --server (or FULCRUM_SERVER) right?`);
    } finally {
      clearTimeout(timer);
      this.signal?.removeEventListener('abort', onAbort);
    }
    let body: TrpcBody;
    try {
      body = JSON.parse(text) as TrpcBody;
    } catch {
      throw new ApiError(procedure, response.status, `${this.baseUrl} answered HTTP ${response.status} with something that is not Fulcrum's API: is --server (or FULCRUM_SERVER) right?`, 'NOT_FULCRUM', null, null);
    }
    if (response.ok && body.result) return body.result.data?.json as T;
    const error = body.error?.json;
    if (!error) throw new ApiError(procedure, response.status, `${this.baseUrl} answered HTTP ${response.status} without a tRPC result: is --server (or FULCRUM_SERVER) right?`, 'NOT_FULCRUM', null, null);
    throw new ApiError(procedure, response.status, error.message ?? `HTTP ${response.status}`, error.data?.code ?? 'UNKNOWN', error.data?.appCode ?? null, error.data?.fieldErrors ?? null);
  }
}
