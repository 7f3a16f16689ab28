import { NextResponse, type NextRequest } from 'next/server';

// The session cookie set by auth.login. Its presence is only a hint for a friendlier redirect:
// every tRPC procedure checks the session itself, so a forged cookie gets nothing but a login page.
const SESSION_COOKIE = 'fulcrum_session';

export function proxy(request: NextRequest) {
  if (request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const login = request.nextUrl.clone();
  login.pathname = '/login';
  login.search = '';
  const { pathname, search } = request.nextUrl;
  if (pathname !== '/') login.searchParams.set('next', `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Pages only: the API answers 401 itself, and static assets, the login page and the agents'
  // WebSocket path must stay reachable without a browser session.
  matcher: ['/((?!api/|ws/|_next/|login|favicon\\.ico|.*\\.(?:png|svg|ico|txt|webmanifest)$).*)'],
};
