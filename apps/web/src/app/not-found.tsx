import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 px-4 text-center">
      <p className="font-mono text-sm text-zinc-500">404</p>
      <h1 className="text-lg font-semibold">Nothing here</h1>
      <p className="max-w-sm text-zinc-600">This address is not a page of Fulcrum. The clusters list is the way in.</p>
      <Link href="/" className="mt-2 inline-flex h-8 items-center rounded-md bg-zinc-900 px-3 text-sm font-medium text-white hover:bg-zinc-700">
        Go to clusters
      </Link>
    </main>
  );
}
