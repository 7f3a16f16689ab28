// Ten hues that stay apart on white (Tableau 10, slightly darkened for 1.5 px lines); beyond ten
// real servers the golden angle keeps neighbouring series distinguishable.
const BASE = ['#1f77b4', '#e8710a', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#d6409f', '#5f6b73', '#a3a300', '#0fa3b1'];

/** The stroke of the n-th real server's series (the same in the graph and in the table swatch). */
export function seriesColor(index: number): string {
  if (index < BASE.length) return BASE[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 65% 42%)`;
}

/** The VIP total: darker and dashed, so it reads as a sum rather than one more server. */
export const TOTAL_COLOR = '#27272a';
