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
    const short = this.shortUnscaled(text);
    if (short !== undefined) return short === null ? undefined : twosComplementOf(short);
    if (!DECIMAL.test(text)) return undefined;
    const [whole, fraction = ''] = text.replace('-', '').split('.');
    if (fraction.length > this.scale) return undefined;
    const digits = (whole + fraction.padEnd(this.scale, '0')).replace(/^0+(?=\d)/, '');
    if (digits.length > this.precision) return undefined;
    let unscaled = BigInt(digits) * (text.startsWith('-') ? -1n : 1n);
    const bytes: number[] = [];
    // Emit bytes until the remaining value is only sign extension.
    do {
      bytes.unshift(Number(unscaled & 0xffn));
      unscaled >>= 8n;
    } while (!((unscaled === 0n && (bytes[0] & 0x80) === 0) || (unscaled === -1n && (bytes[0] & 0x80) !== 0)));
    return Buffer.from(bytes);
  }

  /**
   * The unscaled value of a decimal of up to 15 significant digits in one pass over its text, as a
   * plain number (exact below 2^53); null when the text is no decimal of this scale and precision;
   * undefined when it is longer, for BigInt to work out. Measurements and doses are short, and
   * the regular expressions, splits and BigInt of the general path were the costliest step of
   * validating a lab result.
   */
  private shortUnscaled(text: string): number | null | undefined {
    const length = text.length;
    const negative = length > 0 && text.charCodeAt(0) === 45; // '-'
    let unscaled = 0;
    let significant = 0;
    let fractionDigits = -1; // -1: no decimal point yet
    let digits = 0;
    for (let i = negative ? 1 : 0; i < length; i += 1) {
      const c = text.charCodeAt(i);
      if (c === 46) {
        // '.': once, after at least one digit
        if (fractionDigits >= 0 || digits === 0) return null;
        fractionDigits = 0;
        continue;
      }
      if (c < 48 || c > 57) return null;
      digits += 1;
      if (fractionDigits >= 0) fractionDigits += 1;
      if (significant > 0 || c !== 48) significant += 1;
      if (significant > 15) return undefined;
      unscaled = unscaled * 10 + (c - 48);
    }
    if (digits === 0 || fractionDigits === 0) return null; // no digits, or nothing after the point
    const fraction = fractionDigits < 0 ? 0 : fractionDigits;
    if (fraction > this.scale) return null;
    // Digits of the unscaled integer: the significant ones and the zeros the scale appends (or one zero).
    const width = significant === 0 ? 1 : significant + this.scale - fraction;
    if (width > this.precision) return null;
    if (width > 15) return undefined;
    unscaled *= 10 ** (this.scale - fraction);
    return negative ? -unscaled : unscaled;
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
  // Bytes needed: the value's own, and room for its sign bit.
  let size = 1;
  for (let bound = 128; size < 7 && (unscaled >= bound || unscaled < -bound); bound *= 256) size += 1;
  const bytes = Buffer.allocUnsafe(size);
  let rest = unscaled;
  for (let i = size - 1; i >= 0; i -= 1) {
    const low = ((rest % 256) + 256) % 256;
    bytes[i] = low;
    rest = (rest - low) / 256;
  }
  return bytes;
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
