/** What `live.history` marks on a graph. */
export type AnnotationKind = 'weight' | 'drain' | 'restore' | 'maint' | 'failover' | 'apply-error';

export type GraphAnnotation = { at: Date | string | number; kind: AnnotationKind; label: string };

/** An annotation the graph draws: its x value (epoch seconds) and the label row it sits in (null: line only). */
export type PlacedAnnotation = { t: number; kind: AnnotationKind; label: string; lane: number | null };

export const ANNOTATION_COLORS: Record<AnnotationKind, string> = {
  weight: '#0284c7',
  drain: '#d97706',
  restore: '#059669',
  maint: '#7c3aed',
  failover: '#dc2626',
  'apply-error': '#be123c',
};

/**
 * Keeps the annotations inside [min, max] and gives each label a lane (row) so that labels closer
 * than `minGapPx` on screen do not print over each other: a drain and the weight edit a second
 * later are both readable. When every lane is taken the marker keeps its line but drops its label
 * (the list under the graph still names it): a burst of edits stays legible instead of smudged.
 */
export function placeAnnotations(
  annotations: ReadonlyArray<GraphAnnotation>,
  range: { min: number; max: number },
  toPx: (t: number) => number,
  options: { minGapPx?: number; maxLanes?: number } = {},
): PlacedAnnotation[] {
  const minGapPx = options.minGapPx ?? 90;
  const maxLanes = options.maxLanes ?? 3;
  const visible = annotations
    .map((a) => ({ t: (a.at instanceof Date ? a.at.getTime() : typeof a.at === 'number' ? a.at : Date.parse(a.at)) / 1000, kind: a.kind, label: a.label }))
    .filter((a) => Number.isFinite(a.t) && a.t >= range.min && a.t <= range.max)
    .sort((a, b) => a.t - b.t);
  // The right edge of the last label in each lane, in pixels.
  const laneEnds: number[] = [];
  return visible.map((a) => {
    const px = toPx(a.t);
    let lane: number | null = laneEnds.findIndex((end) => px - end >= minGapPx);
    if (lane === -1) lane = laneEnds.length < maxLanes ? laneEnds.length : null;
    if (lane !== null) laneEnds[lane] = px;
    return { ...a, lane };
  });
}

const KIND_WORD: Record<AnnotationKind, string> = { weight: 'weight', drain: 'drain', restore: 'restore', maint: 'maint', failover: 'failover', 'apply-error': 'apply error' };

/**
 * The few words drawn next to a marker on the canvas: the kind and the real server it concerns
 * ("drain 198.18.0.31:80"). Full sentences do not fit between markers; the list under the graph
 * carries them.
 */
export function shortAnnotationLabel(kind: AnnotationKind, label: string): string {
  const endpoint = /\[[0-9a-fA-F:.]+\]:\d+|\b\d{1,3}(?:\.\d{1,3}){3}:\d+\b/.exec(label)?.[0];
  return endpoint ? `${KIND_WORD[kind]} ${endpoint}` : KIND_WORD[kind];
}
