import { renderFullKeepalivedConfig } from '@fulcrum/lvs/keepalived/render-keepalived-config';

// One table of N destinations, the same for Fulcrum and for the references: services of 50
// destinations each (the shape of a real estate: many services, tens of real servers behind each)
// on one VIP, ports 1000 and up, DR, weight 1. The destinations are addresses nobody answers on
// (198.19.0.x, lab space): IPVS holds them without caring, and no traffic is sent to them.

/** Destinations per service (the last service holds the rest). */
export const DESTINATIONS_PER_SERVICE = 50;
/** First service port. */
export const FIRST_PORT = 1000;

/** One service of the shape: VIP:port and its destinations. */
export type ShapeService = { address: string; port: number; destinations: Array<{ address: string; port: number }> };

/** N destinations as services of DESTINATIONS_PER_SERVICE on `vip`. */
export function tableShape(n: number, vip: string): ShapeService[] {
  const services: ShapeService[] = [];
  for (let i = 0; i * DESTINATIONS_PER_SERVICE < n; i++) {
    const port = FIRST_PORT + i;
    const count = Math.min(DESTINATIONS_PER_SERVICE, n - i * DESTINATIONS_PER_SERVICE);
    services.push({ address: vip, port, destinations: Array.from({ length: count }, (_, j) => ({ address: destinationAddress(j), port })) });
  }
  return services;
}

/** The j-th destination address of a service (198.19.0.1, .2, …; 198.19.1.x after 254). */
export function destinationAddress(j: number): string {
  return `198.19.${Math.floor(j / 254)}.${(j % 254) + 1}`;
}

/** The shape as one `ipvsadm -R` batch (what `ipvsadm -S -n` would print for it). */
export function renderRestoreRules(services: ShapeService[]): string {
  const lines: string[] = [];
  for (const s of services) {
    lines.push(`-A -t ${s.address}:${s.port} -s wrr`);
    for (const d of s.destinations) lines.push(`-a -t ${s.address}:${s.port} -r ${d.address}:${d.port} -g -w 1`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The shape as keepalived virtual_server blocks (Fulcrum's own renderer of the full export), without
 * health checkers: nobody answers on the destinations, and a checker would take them out. `weight`
 * overrides the weight of one destination (the reload reference).
 */
export function renderKeepalivedShape(services: ShapeService[], override?: { service: number; destination: number; weight: number }): string {
  return renderFullKeepalivedConfig({
    routerId: 'bench-reference',
    virtualServers: services.map((s, i) => ({
      service: {
        protocol: 'TCP',
        address: s.address,
        port: s.port,
        scheduler: 'wrr',
        destinations: s.destinations.map((d, j) => ({ address: d.address, port: d.port, forwarding: 'DR', weight: override && override.service === i && override.destination === j ? override.weight : 1 })),
      },
      delayLoop: 60,
      connectTimeout: null,
    })),
  });
}
