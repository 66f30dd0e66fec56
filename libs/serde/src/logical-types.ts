import { Type, types } from 'avsc';

/*
 * avsc leaves logical types to the application. These map the ones our schemas use onto the
 * JavaScript values the generated types promise, and reject malformed values so validation errors
 * name the rule:
 *   timestamp-millis  <-> Date     (an ISO-8601 string is accepted on the way in: JSON has no Date)
 *   uuid              <-> string   (must be a UUID)
 *   decimal (bytes)   <-> string   ("5.4"; exact, never a binary float)
 */

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/*
 * avsc converts a logical value twice on the way in: once when it is checked (isValid) and again
 * when it is written. avsc makes one type instance per field, so the instance remembers the last
 * text it converted and the second call for the same text is a lookup. The conversions are pure
 * functions of the text, so the memo cannot change a result.
 */

class TimestampMillisType extends types.LogicalType {
  private lastText?: string;
  private lastMillis?: number;

  override _fromValue(value: number): Date {
    return new Date(value);
  }

  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
    if (typeof value !== 'string') return undefined;
    if (value === this.lastText) return this.lastMillis;
    const parsed = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
    this.lastText = value;
    this.lastMillis = Number.isNaN(parsed) ? undefined : parsed;
    return this.lastMillis;
  }

  override _resolve(type: Type) {
    // A resolver receives what the writer type decoded: a Date from a logical writer, a number from a plain long.
    if (Type.isType(type, 'logical:timestamp-millis')) return (value: Date) => value;
    if (Type.isType(type, 'long')) return (value: number) => this._fromValue(value);
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UuidType extends types.LogicalType {
  override _fromValue(value: string): string {
    return value;
  }

  override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && UUID.test(value) ? value : undefined;
  }

  override _resolve(type: Type) {
    if (Type.isType(type, 'string', 'logical:uuid')) return (value: string) => value;
    return undefined;
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Exact decimals as strings, stored as the two's-complement big-endian unscaled integer (Avro spec). */
class DecimalType extends types.LogicalType {
  private readonly scale: number;
  private readonly precision: number;

  constructor(schema: { scale?: number; precision: number }, opts?: unknown) {
    super(schema as never, opts as never);
    this.scale = schema.scale ?? 0;
    this.precision = schema.precision;
  }

  override _fromValue(bytes: Buffer): string {
    let unscaled = 0n;
    for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
    if (bytes.length > 0 && bytes[0] & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
    const negative = unscaled < 0n;
    const digits = (negative ? -unscaled : unscaled).toString().padStart(this.scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.scale);
    const fraction = digits.slice(digits.length - this.scale).replace(/0+$/, '');
    return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  }

  private lastText?: string;
  /** Shared with avsc's writer, which copies it into the record: never handed out for mutation. */
  private lastBytes?: Buffer;

  override _toValue(value: unknown): Buffer | undefined {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string') return undefined;
    if (text === this.lastText) return this.lastBytes;
    this.lastText = text;
    this.lastBytes = this.unscaledBytesOf(text);
    return this.lastBytes;
  }

  private unscaledBytesOf(text: string): Buffer | undefined {
    if (!DECIMAL.test(text)) return undefined;
    const [whole, fraction = ''] = text.replace('-', '').split('.');
    if (fraction.length > this.scale) return undefined;
    const digits = (whole + fraction.padEnd(this.scale, '0')).replace(/^0+(?=\d)/, '');
    if (digits.length > this.precision) return undefined;
    const negative = text.startsWith('-');
    // Measurements and doses have few digits: plain numbers are exact below 2^53 and several
    // times cheaper than BigInt, which was the costliest step of validating a lab result.
    if (digits.length <= 15) return twosComplementOf(negative ? -Number(digits) : Number(digits));
    let unscaled = BigInt(digits) * (negative ? -1n : 1n);
    const bytes: number[] = [];
    // Emit bytes until the remaining value is only sign extension.
    do {
      bytes.unshift(Number(unscaled & 0xffn));
      unscaled >>= 8n;
    } while (!((unscaled === 0n && (bytes[0] & 0x80) === 0) || (unscaled === -1n && (bytes[0] & 0x80) !== 0)));
    return Buffer.from(bytes);
  }

  override _resolve(type: Type) {
    const other = type as unknown as { scale?: number; precision?: number };
    if (Type.isType(type, 'logical:decimal') && other.scale === this.scale && other.precision === this.precision) {
      return (value: string) => value;
    }
    return undefined;
  }
}

/** The shortest big-endian two's complement of a safe integer (the Avro decimal's unscaled value). */
function twosComplementOf(unscaled: number): Buffer {
  const bytes: number[] = [];
  let rest = unscaled;
  do {
    const low = ((rest % 256) + 256) % 256;
    bytes.unshift(low);
    rest = (rest - low) / 256;
  } while (!((rest === 0 && (bytes[0] & 0x80) === 0) || (rest === -1 && (bytes[0] & 0x80) !== 0)));
  return Buffer.from(bytes);
}

export const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillisType,
  uuid: UuidType,
  decimal: DecimalType,
} as unknown as Record<string, typeof types.LogicalType>;

/** What each logical type expects, in words, for validation errors. */
export const LOGICAL_TYPE_RULES: Record<string, string> = {
  'timestamp-millis': 'expected an ISO-8601 date-time with a zone, e.g. 2026-11-20T08:15:00Z',
  uuid: 'expected a UUID',
  decimal: 'expected a decimal string within the precision and scale, e.g. "5.4"',
};
