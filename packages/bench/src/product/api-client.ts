import superjson from 'superjson';

// The product's tRPC API over plain HTTP as any client could use it: superjson wire format, a
// session cookie, HTTP batching (many calls in one request, as the web client's httpBatchLink does)
// and the SSE subscription live.onCluster read with fetch (what the browser's EventSource gets).

type ErrorShape = { message: string; data?: { code?: string; appCode?: string | null } };
type Envelope = { result?: { data?: unknown }; error?: unknown };

/** A tRPC error answer, with the procedure that failed. */
export class ApiError extends Error {
  constructor(
    readonly procedure: string,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${procedure}: ${status} ${code} ${message}`);
    this.name = 'ApiError';
  }
}

function decodeError(procedure: string, status: number, raw: unknown): ApiError {
  const shape = (raw && typeof raw === 'object' ? superjson.deserialize(raw as Parameters<typeof superjson.deserialize>[0]) : null) as ErrorShape | null;
  return new ApiError(procedure, status, shape?.data?.code ?? '?', shape?.message ?? JSON.stringify(raw));
}

/** One event of an SSE subscription, stamped with the time this process received it. */
export type SseEvent<T> = { receivedAt: number; data: T };

/** An open subscription: every event so far, a way to wait for one, and close. */
export type Subscription<T> = {
  events: Array<SseEvent<T>>;
  errors: string[];
  /** Resolves with the first event (received after `since`, default any) that satisfies `match`. */
  waitFor(match: (data: T) => boolean, timeoutMs: number, since?: number): Promise<SseEvent<T>>;
  close(): Promise<void>;
};

/** The product's API as one logged-in user. */
export class ApiClient {
  private cookie = '';
  constructor(readonly baseUrl: string) {}

  private async request(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: this.cookie } });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('fulcrum'));
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return { status: response.status, body: await response.json() };
  }

  /** A query; throws ApiError on an error answer. */
  async query<T = any>(procedure: string, input: unknown): Promise<T> {
    const { status, body } = await this.request(`${this.baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, { method: 'GET' });
    const envelope = body as Envelope;
    if (envelope.result) return superjson.deserialize(envelope.result.data as Parameters<typeof superjson.deserialize>[0]) as T;
    throw decodeError(procedure, status, envelope.error);
  }

  /** A mutation; throws ApiError on an error answer. */
  async mutate<T = any>(procedure: string, input: unknown): Promise<T> {
    return (await this.mutateBatch<T>(procedure, [input]))[0]!;
  }

  /**
   * Many calls of one mutation in one HTTP request (tRPC batching). The server runs them
   * concurrently, each in its own transaction; throws the first error after all answered.
   */
  async mutateBatch<T = any>(procedure: string, inputs: unknown[]): Promise<T[]> {
    return (await this.mutateBatchSettled<T>(procedure, inputs)).map((r) => {
      if (!r.ok) throw r.error;
      return r.data;
    });
  }

  /** mutateBatch, with each call's own outcome instead of throwing. */
  async mutateBatchSettled<T = any>(procedure: string, inputs: unknown[]): Promise<Array<{ ok: true; data: T } | { ok: false; error: ApiError }>> {
    if (inputs.length === 0) return [];
    const body: Record<string, unknown> = {};
    inputs.forEach((input, i) => (body[i] = superjson.serialize(input)));
    const { status, body: answer } = await this.request(`${this.baseUrl}/api/trpc/${Array(inputs.length).fill(procedure).join(',')}?batch=1`, {
      method: 'POST',
      // Origin matching the host: the server refuses cross-site mutations.
      headers: { 'content-type': 'application/json', origin: this.baseUrl },
      body: JSON.stringify(body),
    });
    if (!Array.isArray(answer)) throw decodeError(procedure, status, (answer as Envelope).error ?? answer);
    return (answer as Envelope[]).map((envelope) =>
      envelope.result ? { ok: true as const, data: superjson.deserialize(envelope.result.data as Parameters<typeof superjson.deserialize>[0]) as T } : { ok: false as const, error: decodeError(procedure, status, envelope.error) },
    );
  }

  /** Logs in as the printed admin and replaces the one-time password, then logs in again with it. */
  async logInReplacingOneTimePassword(admin: { username: string; password: string }, newPassword: string): Promise<void> {
    await this.mutate('auth.login', { username: admin.username, password: admin.password });
    const me = await this.query<{ mustChangePassword: boolean }>('auth.me', null);
    if (me.mustChangePassword) await this.mutate('auth.changePassword', { currentPassword: admin.password, newPassword });
    await this.mutate('auth.login', { username: admin.username, password: newPassword });
  }

  /**
   * Opens a tRPC SSE subscription and keeps every event with its receive time (Date.now(), the
   * clock the lab guest shares). `keep` may reduce each event to what the caller needs.
   */
  async subscribe<T, R = T>(procedure: string, input: unknown, keep: (data: T, receivedAt: number) => R = (d) => d as unknown as R): Promise<Subscription<R>> {
    const controller = new AbortController();
    const url = `${this.baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    const response = await fetch(url, { headers: { cookie: this.cookie, accept: 'text/event-stream' }, signal: controller.signal });
    if (!response.ok || !response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
      controller.abort();
      throw new Error(`${procedure}: no event stream (HTTP ${response.status})`);
    }
    const events: Array<SseEvent<R>> = [];
    const errors: string[] = [];
    const waiters = new Set<() => void>();
    const reader = response.body.getReader();
    const done = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done: finished } = await reader.read();
          if (finished) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const receivedAt = Date.now();
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (event === 'serialized-error') errors.push(data);
            else if (!event && data) {
              events.push({ receivedAt, data: keep(superjson.deserialize(JSON.parse(data)) as T, receivedAt) });
              for (const w of waiters) w();
            }
          }
        }
      } catch {
        // aborted
      }
    })();
    return {
      events,
      errors,
      async waitFor(match, timeoutMs, since = 0) {
        const deadline = Date.now() + timeoutMs;
        let from = 0;
        for (;;) {
          for (; from < events.length; from++) {
            const e = events[from]!;
            if (e.receivedAt >= since && match(e.data)) return e;
          }
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`${procedure}: no matching event within ${timeoutMs} ms`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => (waiters.delete(wake), resolve()), left);
            const wake = () => (clearTimeout(timer), waiters.delete(wake), resolve());
            waiters.add(wake);
          });
        }
      },
      async close() {
        controller.abort();
        await done;
      },
    };
  }
}
