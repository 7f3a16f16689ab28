/** Domain error codes; the tRPC edge maps each to one transport code, the UI to one message style. */
export type AppErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'DUPLICATE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'IN_USE'
  | 'RATE_LIMITED'
  /** The change is allowed but risky (e.g. it leaves a service with no serving real server): resend with confirm. */
  | 'CONFIRMATION_REQUIRED'
  /** A host Fulcrum must reach (e.g. over SSH) did not answer or refused the connection. */
  | 'HOST_UNREACHABLE';

/** Field name → messages, as forms show them. */
export type FieldErrors = Record<string, string[]>;

/** A coded domain error. Thrown below the transport; never replaced by a generic one. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors: FieldErrors | null;

  constructor(code: AppErrorCode, message: string, options: { fieldErrors?: FieldErrors; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fieldErrors = options.fieldErrors ?? null;
  }
}

/** A validation failure tied to one input field. */
export function fieldError(field: string, message: string, code: AppErrorCode = 'VALIDATION'): AppError {
  return new AppError(code, message, { fieldErrors: { [field]: [message] } });
}

/** True when a Prisma error is a unique-constraint violation (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/**
 * Runs `run`; a unique-constraint violation (a concurrent write that slipped past the checks made
 * inside the transaction) becomes the domain error `toError()` instead of a raw database error.
 */
export async function mapUniqueViolation<T>(run: () => Promise<T>, toError: () => AppError): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) throw toError();
    throw error;
  }
}
