/** "1 service", "2 services", "0 HA pairs" — counts in running text. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
