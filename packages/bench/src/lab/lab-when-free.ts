import { startLab, type Lab, type StartLabOptions } from '@fulcrum/lab/lab';
import type { LabTopologySpec } from '@fulcrum/lab/topology';

/**
 * startLab, waiting while another lab runs on this machine (one lab per machine: a CI run or another
 * session may hold it). Gives up after `waitMs` (default 45 min).
 */
export async function startLabWhenFree(spec: LabTopologySpec, options: StartLabOptions & { waitMs?: number; say?: (line: string) => void } = {}): Promise<Lab> {
  const { waitMs = 45 * 60_000, say = (line: string) => console.log(line), ...labOptions } = options;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await startLab(spec, labOptions);
    } catch (e) {
      if (!/already running/i.test((e as Error).message) || Date.now() > deadline) throw e;
      if (!told) say('another lab is running on this machine: waiting for it (checking every 15 s)');
      told = true;
      await new Promise((r) => setTimeout(r, 15_000));
    }
  }
}
