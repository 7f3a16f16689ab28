import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { AppError, type AppErrorCode, type FieldErrors } from '@fulcrum/core/errors/app-error';
import { hasRole, type Role } from '@fulcrum/core/auth/actor';
import type { Context } from './context';

// The one place domain error codes become transport codes.
const TRPC_CODE: Record<AppErrorCode, TRPCError['code']> = {
  VALIDATION: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  DUPLICATE: 'CONFLICT',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  IN_USE: 'PRECONDITION_FAILED',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  CONFIRMATION_REQUIRED: 'PRECONDITION_FAILED',
  HOST_UNREACHABLE: 'BAD_GATEWAY',
};

type Issue = { path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>; message: string };

/** Field errors from zod (or any standard-schema) issues, keyed by the top-level input field. */
function fieldErrorsFromIssues(issues: readonly Issue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const first = issue.path?.[0];
    const key = first === undefined ? '_form' : String(typeof first === 'object' ? first.key : first);
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function issuesOf(cause: unknown): readonly Issue[] | null {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as Issue[]) : null;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const appError = cause instanceof AppError ? cause : null;
    const issues = error.code === 'BAD_REQUEST' ? issuesOf(cause) : null;
    const fieldErrors = appError?.fieldErrors ?? (issues ? fieldErrorsFromIssues(issues) : null);
    const firstFieldMessage = fieldErrors ? Object.values(fieldErrors)[0]?.[0] : undefined;
    const { stack: _stack, ...data } = shape.data;
    const transportCode = shape.data.code;
    const appCode = appError?.code ?? (issues ? 'VALIDATION' : transportCode === 'UNAUTHORIZED' || transportCode === 'FORBIDDEN' ? transportCode : null);
    return {
      ...shape,
      // Input validation errors carry zod's JSON dump as message: replace it with the first field message.
      message: issues && firstFieldMessage
        ? firstFieldMessage
        : error.code === 'INTERNAL_SERVER_ERROR' && !appError
          ? 'Internal server error: the details are in the server log'
          : shape.message,
      data: { ...data, appCode, fieldErrors },
    };
  },
});

/** Turns coded domain errors into tRPC errors with the domain error as cause. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    return { ...result, error: new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause }) };
  }
  return result;
});

/**
 * Refuses mutations that a browser sent from another site. SameSite=Lax cookies already keep the
 * session off cross-site POSTs; this checks Origin too, so a same-site but foreign page cannot either.
 */
const sameOriginMutations = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation') {
    const origin = ctx.req.headers.get('origin');
    const host = ctx.req.headers.get('x-forwarded-host') ?? ctx.req.headers.get('host');
    if (origin !== null && (host === null || new URL(origin).host !== host)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-site request refused' });
    }
  }
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Open to everyone: only login and "who am I". */
export const publicProcedure = t.procedure.use(mapDomainErrors).use(sameOriginMutations);

function withRole(role: Role, options: { allowTemporaryPassword?: boolean } = {}) {
  return publicProcedure.use(({ ctx, next }) => {
    if (!ctx.user || !ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Log in first' });
    // A one-time password (first admin, reset) is known to whoever printed or read it: it may only be replaced.
    if (ctx.user.mustChangePassword && !options.allowTemporaryPassword) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Change your one-time password first (user menu → Change password)' });
    }
    if (!hasRole(ctx.user.role, role)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${role.toLowerCase()} role; you are ${ctx.user.role.toLowerCase()}` });
    }
    return next({ ctx: { ...ctx, user: ctx.user, actor: ctx.actor } });
  });
}

/** Any signed-in user: reads. */
export const viewerProcedure = withRole('VIEWER');
/** Any signed-in user, even one still holding a one-time password: only for replacing it. */
export const passwordChangeProcedure = withRole('VIEWER', { allowTemporaryPassword: true });
/** Operators and admins: services, real servers, weights. */
export const operatorProcedure = withRole('OPERATOR');
/** Admins only: clusters, nodes, HA pairs, users, tokens. */
export const adminProcedure = withRole('ADMIN');
