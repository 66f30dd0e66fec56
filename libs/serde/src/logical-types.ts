import { Type, types } from 'avsc';

/*
 * avsc leaves logical types to the application. These map the ones our schemas use onto the
 * JavaScript values that the generated types promise: timestamp-millis <-> Date.
 */

class TimestampMillisType extends types.LogicalType {
  override _fromValue(value: number): Date {
    return new Date(value);
  }

  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    // Accepting an ISO string keeps JSON bodies (which cannot carry a Date) encodable as they are.
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
    return undefined;
  }

  override _resolve(type: Type) {
    if (Type.isType(type, 'long', 'logical:timestamp-millis')) return this._fromValue;
    return undefined;
  }
}

export const LOGICAL_TYPES = { 'timestamp-millis': TimestampMillisType } as unknown as Record<string, typeof types.LogicalType>;
