import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Type } from 'avsc';
import { LOGICAL_TYPES, schemasDir } from '@backbone/serde';

/** A named Avro type (record, enum, fixed) as written in its .avsc file. */
export interface NamedSchema {
  type: 'record' | 'enum' | 'fixed';
  name: string;
  namespace: string;
  doc?: string;
  fields?: FieldSchema[];
  symbols?: string[];
  default?: unknown;
  [key: string]: unknown;
}

export interface FieldSchema {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}

/**
 * The fields a reader needs, per record (full name → field names); a record not named is read
 * whole. See `SchemaSet.readerType`.
 */
export type FieldSelection = Readonly<Record<string, readonly string[]>>;

export interface SchemaFile {
  /** Path relative to schemas/, e.g. common/EventEnvelope.avsc. */
  path: string;
  fullName: string;
  schema: NamedSchema;
}

export const ENVELOPE = 'no.oslo.backbone.common.EventEnvelope';
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function listAvsc(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === 'examples' ? [] : listAvsc(path);
      return entry.endsWith('.avsc') ? [path] : [];
    });
}

/**
 * Every .avsc file under schemas/, one named type per file, and what can be derived from them:
 * self-contained schemas for the registry (referenced types inlined) and parsed avsc types.
 * This is the one place that reads the schema files; everything else asks it.
 */
export class SchemaSet {
  private readonly files = new Map<string, SchemaFile>();
  private readonly parsed = new Map<string, Type>();
  private readonly partial = new WeakMap<FieldSelection, Map<string, Type>>();
  private events?: string[];
  private readonly eventByName = new Map<string, string>();

  private constructor(readonly root: string) {}

  static load(root: string = schemasDir()): SchemaSet {
    const set = new SchemaSet(root);
    for (const path of listAvsc(root)) {
      const schema = JSON.parse(readFileSync(path, 'utf8')) as NamedSchema;
      const fullName = `${schema.namespace}.${schema.name}`;
      if (set.files.has(fullName)) throw new Error(`${fullName} is defined twice (${relative(root, path)})`);
      set.files.set(fullName, { path: relative(root, path), fullName, schema });
    }
    return set;
  }

  all(): SchemaFile[] {
    return [...this.files.values()];
  }

  get(fullName: string): SchemaFile {
    const file = this.files.get(fullName);
    if (!file) throw new Error(`no schema named ${fullName}`);
    return file;
  }

  /** The full names of the event records: records whose first field is the common envelope. */
  eventTypes(): string[] {
    this.events ??= this.all()
      .filter((f) => f.schema.type === 'record' && f.schema.fields?.[0]?.name === 'envelope' && f.schema.fields[0].type === ENVELOPE)
      .map((f) => f.fullName);
    return [...this.events];
  }

  /** Full name of an event type given by its short name (DocumentPublished) or full name. */
  resolveEventType(name: string): string | undefined {
    if (this.eventByName.size === 0) {
      for (const full of this.eventTypes()) {
        this.eventByName.set(full, full);
        this.eventByName.set(full.slice(full.lastIndexOf('.') + 1), full);
      }
    }
    return this.eventByName.get(name);
  }

  /** Full names of the named types a type refers to, directly or not, itself included. */
  dependencies(fullName: string, seen = new Set<string>()): Set<string> {
    if (seen.has(fullName)) return seen;
    seen.add(fullName);
    const file = this.get(fullName);
    for (const ref of this.references(file.schema, file.schema.namespace)) this.dependencies(ref, seen);
    return seen;
  }

  /**
   * A self-contained schema for the registry: each referenced named type is inlined where it is
   * first used and referred to by full name afterwards. The output is deterministic, so the same
   * files always register as the same schema (and get the same id).
   */
  bundle(fullName: string, keep?: FieldSelection): NamedSchema {
    const defined = new Set<string>();
    const inline = (name: string): unknown => {
      if (defined.has(name)) return name;
      defined.add(name);
      const { schema } = this.get(name);
      return this.mapTypes(schema, schema.namespace, inline, keep);
    };
    return inline(fullName) as NamedSchema;
  }

  /**
   * A reader's type of a named type that reads only the fields `keep` names of the records it
   * names (the others whole). Resolved against a writer's schema it skips the other fields' bytes
   * instead of building their values: for a consumer that needs a few fields of large events.
   * Cached per selection.
   */
  readerType(fullName: string, keep: FieldSelection): Type {
    let types = this.partial.get(keep);
    if (!types) this.partial.set(keep, (types = new Map()));
    let type = types.get(fullName);
    if (!type) {
      type = Type.forSchema(this.bundle(fullName, keep) as never, { logicalTypes: LOGICAL_TYPES });
      types.set(fullName, type);
    }
    return type;
  }

  /** The avsc type of a named type, with the backbone's logical types; cached. */
  type(fullName: string): Type {
    let type = this.parsed.get(fullName);
    if (!type) {
      type = Type.forSchema(this.bundle(fullName) as never, { logicalTypes: LOGICAL_TYPES });
      this.parsed.set(fullName, type);
    }
    return type;
  }

  private qualify(name: string, namespace: string): string {
    return name.includes('.') ? name : `${namespace}.${name}`;
  }

  /** A record's fields that `keep` keeps; a name it lists that the record lacks is a mistake, not a field to skip. */
  private keptFields(fields: FieldSchema[], recordName: string, keep?: FieldSelection): FieldSchema[] {
    const wanted = keep?.[recordName];
    if (!wanted) return fields;
    const missing = wanted.filter((name) => !fields.some((f) => f.name === name));
    if (missing.length > 0) throw new Error(`${recordName} has no field ${missing.join(', ')}`);
    return fields.filter((f) => wanted.includes(f.name));
  }

  private references(schema: unknown, namespace: string): string[] {
    const found: string[] = [];
    this.mapTypes(schema, namespace, (name) => {
      found.push(name);
      return name;
    });
    return found;
  }

  /**
   * Walks a schema, replacing every reference to a named type with what `onReference` returns;
   * with `keep`, the records it names keep only the fields it lists (and only those are walked).
   */
  private mapTypes(schema: unknown, namespace: string, onReference: (fullName: string) => unknown, keep?: FieldSelection): unknown {
    if (typeof schema === 'string') {
      return PRIMITIVES.has(schema) ? schema : onReference(this.qualify(schema, namespace));
    }
    if (Array.isArray(schema)) return schema.map((branch) => this.mapTypes(branch, namespace, onReference, keep));
    if (schema && typeof schema === 'object') {
      const node = schema as Record<string, unknown>;
      const ns = typeof node.namespace === 'string' ? node.namespace : namespace;
      switch (node.type) {
        case 'record':
        case 'error':
          return {
            ...node,
            fields: this.keptFields(node.fields as FieldSchema[], this.qualify(node.name as string, ns), keep).map((field) => ({ ...field, type: this.mapTypes(field.type, ns, onReference, keep) })),
          };
        case 'array':
          return { ...node, items: this.mapTypes(node.items, ns, onReference, keep) };
        case 'map':
          return { ...node, values: this.mapTypes(node.values, ns, onReference, keep) };
        case 'enum':
        case 'fixed':
          return node;
        default:
          // A primitive with attributes ({ type: 'long', logicalType: ... }) or a nested reference.
          return typeof node.type === 'string' && !PRIMITIVES.has(node.type)
            ? this.mapTypes(node.type, ns, onReference, keep)
            : node;
      }
    }
    return schema;
  }
}
