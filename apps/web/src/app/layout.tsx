import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { TrpcReactProvider } from '@/lib/trpc/provider';
import { ToastProvider } from '@/components/ui/toast';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Fulcrum', template: '%s · Fulcrum' },
  description: 'LVS / IPVS + keepalived control plane',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans text-sm">
        <TrpcReactProvider>
          <ToastProvider>{children}</ToastProvider>
        </TrpcReactProvider>
      </body>
    </html>
  );
}
