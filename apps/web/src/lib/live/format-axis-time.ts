const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A time-axis tick in local time: "14:05:30" when the graph spans under 10 minutes (seconds
 * matter then), "14:05" otherwise. One line, no date: the range picker says which day it is, and
 * uPlot's default two-line date/time labels collide on a narrow graph.
 */
export function formatAxisTime(epochSeconds: number, spanSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return spanSeconds < 600 ? `${hm}:${pad(d.getSeconds())}` : hm;
}
