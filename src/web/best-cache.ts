/**
 * Values computed once per state of the sharechain. Dashboards poll every few seconds and
 * several endpoints walk up to a whole chain window (8,640 shares on bitcoin); the answer only
 * changes when the best share (or the template, for payouts) does, so each named value is kept
 * with the key it was computed for and recomputed when the key changes. One entry per name:
 * memory is bounded by the number of endpoints.
 */
export class BestCache {
  private readonly entries = new Map<string, { key: string; value: unknown }>();

  get<T>(name: string, key: string, compute: () => T): T {
    const hit = this.entries.get(name);
    if (hit && hit.key === key) return hit.value as T;
    const value = compute();
    this.entries.set(name, { key, value });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
