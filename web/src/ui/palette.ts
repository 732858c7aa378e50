/**
 * Ten class colours (Tableau 10, darkened where needed) that stay distinguishable on the white plot and
 * reach at least 3:1 contrast against it, as WCAG asks of graphical objects.
 */
export const CLASS_COLOURS = [
  '#1f5f99',
  '#c25400',
  '#2a7d2a',
  '#b3262a',
  '#6a4c93',
  '#7a4b3a',
  '#b8417f',
  '#5c5c5c',
  '#7d7d00',
  '#00808a',
];
