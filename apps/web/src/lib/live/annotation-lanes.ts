/** What `live.history` marks on a graph. */
export type AnnotationKind = 'weight' | 'drain' | 'restore' | 'maint' | 'failover' | 'apply-error';

export type GraphAnnotation = { at: Date | string | number; kind: AnnotationKind; label: string };

export const ANNOTATION_COLORS: Record<AnnotationKind, string> = {
  weight: '#0284c7',
  drain: '#d97706',
  restore: '#059669',
  maint: '#7c3aed',
  failover: '#dc2626',
  'apply-error': '#be123c',
};

/**
 * An annotation the graph draws: its x value (epoch seconds), the label row it sits in (null: line
 * only), and whether its label sits left of the line (near the plot's right edge).
 */
export type PlacedAnnotation = { t: number; kind: AnnotationKind; label: string; lane: number | null; isFlipped: boolean };

/**
 * Keeps the annotations inside [min, max] and gives each label a lane (row) so that labels never
 * print over each other: a drain and the weight edit a second later are both readable. A label
 * runs right of its line, or left of it when it would leave the plot. When every lane is taken the
 * marker keeps its line but drops its label (the list under the graph still names it): a burst of
 * edits stays legible instead of smudged.
 */
export function placeAnnotations(
  annotations: ReadonlyArray<GraphAnnotation>,
  range: { min: number; max: number },
  toPx: (t: number) => number,
  options: { labelWidth?: (a: { kind: AnnotationKind; label: string }) => number; rightEdgePx?: number; maxLanes?: number; gapPx?: number } = {},
): PlacedAnnotation[] {
  const labelWidth = options.labelWidth ?? (() => 90);
  const rightEdge = options.rightEdgePx ?? Infinity;
  const maxLanes = options.maxLanes ?? 3;
  const gap = options.gapPx ?? 6;
  const visible = annotations
    .map((a) => ({ t: (a.at instanceof Date ? a.at.getTime() : typeof a.at === 'number' ? a.at : Date.parse(a.at)) / 1000, kind: a.kind, label: a.label }))
    .filter((a) => Number.isFinite(a.t) && a.t >= range.min && a.t <= range.max)
    .sort((a, b) => a.t - b.t);
  // The right edge of the last label in each lane, in pixels.
  const laneEnds: number[] = [];
  return visible.map((a) => {
    const px = toPx(a.t);
    const width = labelWidth(a);
    const isFlipped = px + width > rightEdge;
    const start = isFlipped ? px - width : px;
    let lane: number | null = laneEnds.findIndex((end) => start >= end + gap);
    if (lane === -1) lane = laneEnds.length < maxLanes ? laneEnds.length : null;
    if (lane !== null) laneEnds[lane] = start + width;
    return { ...a, lane, isFlipped };
  });
}

/**
 * Whether a marker belongs on the canvas. A failover is drawn where a director became MASTER; the
 * other side of the same event ("MASTER → STOP") and start-up transitions ("unknown → BACKUP") stay
 * in the list under the graph, where they do not crowd out drains and weight edits.
 */
export function isDrawnOnGraph(annotation: { kind: AnnotationKind; label: string }): boolean {
  return annotation.kind !== 'failover' || /→\s*MASTER\s*$/.test(annotation.label);
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
