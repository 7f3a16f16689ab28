import { z } from 'zod';
import { logIn } from '@fulcrum/core/auth/log-in';
import { deleteSession, SESSION_COOKIE, SESSION_MAX_MS } from '@fulcrum/core/auth/sessions';
import { ChangePasswordInput } from '@fulcrum/lvs/estate/user';
import { changeOwnPassword } from '@fulcrum/core/users/user-mutations';
import { passwordChangeProcedure, publicProcedure, router } from '../init';

// Secure cookies need HTTPS; behind plain HTTP on a lab box the browser would drop them.
function isSecureRequest(req: Request): boolean {
  if (process.env.FULCRUM_COOKIE_SECURE === 'true') return true;
  if (process.env.FULCRUM_COOKIE_SECURE === 'false') return false;
  return new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
}

function sessionCookie(req: Request, value: string, maxAgeSeconds: number): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(isSecureRequest(req) ? ['Secure'] : [])].join('; ');
}

const Me = z.object({ id: z.string(), username: z.string(), displayName: z.string(), role: z.enum(['VIEWER', 'OPERATOR', 'ADMIN']), mustChangePassword: z.boolean() }).nullable();

export const authRouter = router({
  me: publicProcedure.output(Me).query(({ ctx }) => ctx.user),
  login: publicProcedure
    .input(z.object({ username: z.string().trim().min(1, 'Enter your username').max(64), password: z.string().min(1, 'Enter your password').max(200) }))
    .output(Me.unwrap())
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await logIn({ db: ctx.db, username: input.username, password: input.password, userAgent: ctx.req.headers.get('user-agent') ?? '' });
      ctx.resHeaders.append('Set-Cookie', sessionCookie(ctx.req, session.token, Math.floor(SESSION_MAX_MS / 1000)));
      return user;
    }),
  logout: publicProcedure.mutation(async ({ ctx }) => {
    await deleteSession({ db: ctx.db, token: ctx.sessionToken });
    ctx.resHeaders.append('Set-Cookie', sessionCookie(ctx.req, '', 0));
    return { ok: true };
  }),
  changePassword: passwordChangeProcedure.input(ChangePasswordInput).mutation(async ({ ctx, input }) => {
    await changeOwnPassword({ db: ctx.db, actor: ctx.actor, input });
    return { ok: true };
  }),
});
