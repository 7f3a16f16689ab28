/** What the UI needs from any failure: a code to branch on, a sentence to show, and per-field messages. */
export type ErrorDescription = {
  code: string;
  message: string;
  fieldErrors: Record<string, string[]> | null;
};

type ErrorData = { appCode?: unknown; code?: unknown; fieldErrors?: unknown; httpStatus?: unknown };

function isRecordOfStringArrays(value: unknown): value is Record<string, string[]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((v) => Array.isArray(v) && v.every((m) => typeof m === 'string'));
}

const TRPC_TO_APP_CODE: Record<string, string> = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  BAD_REQUEST: 'VALIDATION',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};

/**
 * Reads a TRPCClientError (or anything thrown) without importing the client: the server formats
 * `data.appCode` and `data.fieldErrors`; a fetch that never reached the server has no data at all.
 */
export function describeError(error: unknown): ErrorDescription {
  const fallback = 'Something went wrong. Try again.';
  if (error === null || typeof error !== 'object') return { code: 'INTERNAL', message: fallback, fieldErrors: null };
  const e = error as { message?: unknown; data?: ErrorData | null; name?: unknown };
  const message = typeof e.message === 'string' && e.message.length > 0 ? e.message : fallback;
  const data = e.data ?? null;
  if (data === null) {
    // TRPCClientError with no data = the request failed before a tRPC answer (network, proxy, 5xx HTML).
    const isNetwork = /fetch|network|Failed to|Load failed/i.test(message);
    return { code: isNetwork ? 'NETWORK' : 'INTERNAL', message: isNetwork ? 'Cannot reach the Fulcrum server.' : message, fieldErrors: null };
  }
  const appCode =
    typeof data.appCode === 'string'
      ? data.appCode
      : typeof data.code === 'string'
        ? (TRPC_TO_APP_CODE[data.code] ?? 'INTERNAL')
        : 'INTERNAL';
  const fieldErrors = isRecordOfStringArrays(data.fieldErrors) && Object.keys(data.fieldErrors).length > 0 ? data.fieldErrors : null;
  return { code: appCode, message, fieldErrors };
}
