/**
 * The guided enquiry form, derived from the API's own zod schema (`EnquirySchema`): which fields exist,
 * their kind of control, bounds and choices come from the schema; the form's values become the enquiry the
 * API receives; validation is the API's own `parseEnquiry`, and each error is placed by its field and
 * worded in the investor's language from its rule. Nothing is sent while a field is wrong.
 */
import type * as z from 'zod';
import * as core from 'zod/v4/core';
import { type EnquiryFieldError, EnquirySchema, parseEnquiry } from '#shared/enquiry/schema.ts';
import type { Lang } from './due.ts';

export type Control =
  | 'text'
  | 'textarea'
  | 'email'
  | 'tel'
  | 'number'
  | 'date'
  | 'select'
  | 'checkboxes'
  | 'checkbox'
  | 'locations';

export interface FieldSpec {
  /** Dotted path in the enquiry, as parseEnquiry names errors: `project.vsic.code`. */
  path: string;
  /** The form step the field is on: the enquiry's top-level key, grouped (`STEPS`). */
  step: StepId;
  control: Control;
  required: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  /** min is exclusive (> 0). */
  exclusiveMin?: boolean;
  minLength?: number;
  maxLength?: number;
  /** For select/checkboxes; a nullable select also offers '' = none. */
  options?: readonly string[];
  nullable?: boolean;
}

export type StepId = 'investor' | 'project' | 'site' | 'utilities' | 'environment';

/** Which step each top-level key of the enquiry is asked on. */
const STEP_OF: Record<string, StepId> = {
  investor: 'investor',
  project: 'project',
  landAreaHa: 'site',
  capital: 'project',
  jobs: 'project',
  desiredStartDate: 'site',
  preferredLocations: 'site',
  preferredKinds: 'site',
  utilitiesNeeded: 'utilities',
  environmentalSelfDeclaration: 'environment',
};

export const STEPS: readonly StepId[] = ['investor', 'project', 'site', 'utilities', 'environment'];

type AnySchema = core.$ZodType;

/**
 * The checks of a string or number schema, aggregated (what classic zod's `minLength`, `minValue`, `isInt`
 * ... getters read). `EnquirySchema` is a `zod/mini` schema, so this reads the definitions zod's core keeps
 * for every schema rather than classic zod's methods.
 */
interface Bounds {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  format?: string;
  isInt?: boolean;
}
function bounds(schema: AnySchema): Bounds {
  const out: Bounds = {};
  const def = schema._zod.def as { format?: string; checks?: core.$ZodCheck[] };
  if (def.format) out.format = def.format;
  for (const c of def.checks ?? []) {
    const d = c._zod.def as {
      check: string;
      minimum?: number;
      maximum?: number;
      value?: number;
      inclusive?: boolean;
      format?: string;
    };
    if (d.check === 'min_length' && d.minimum !== undefined)
      out.min = Math.max(out.min ?? d.minimum, d.minimum);
    else if (d.check === 'max_length' && d.maximum !== undefined)
      out.max = Math.min(out.max ?? d.maximum, d.maximum);
    else if (d.check === 'greater_than' && d.value !== undefined) {
      out.min = Math.max(out.min ?? d.value, d.value);
      if (d.inclusive === false) out.exclusiveMin = true;
    } else if (d.check === 'less_than' && d.value !== undefined)
      out.max = Math.min(out.max ?? d.value, d.value);
    else if (d.check === 'number_format') out.isInt = d.format?.includes('int') ?? false;
    else if (d.check === 'string_format' && d.format) out.format = d.format;
  }
  return out;
}

function unwrap(schema: AnySchema): { inner: AnySchema; optional: boolean; nullable: boolean } {
  let inner = schema;
  let optional = false;
  let nullable = false;
  for (;;) {
    if (inner instanceof core.$ZodOptional || inner instanceof core.$ZodDefault) {
      optional = true;
      inner = inner._zod.def.innerType;
    } else if (inner instanceof core.$ZodNullable) {
      nullable = true;
      inner = inner._zod.def.innerType;
    } else return { inner, optional, nullable };
  }
}

function leaf(path: string, schema: AnySchema, required: boolean, nullable: boolean): FieldSpec | undefined {
  const step = STEP_OF[path.split('.')[0] ?? ''] ?? 'project';
  if (schema instanceof core.$ZodString) {
    const { format, min, max: maxLength } = bounds(schema);
    const control: Control =
      format === 'email'
        ? 'email'
        : format === 'date'
          ? 'date'
          : path.endsWith('phone')
            ? 'tel'
            : maxLength !== undefined && maxLength > 300
              ? 'textarea'
              : 'text';
    return {
      path,
      step,
      control,
      required,
      ...(min !== undefined ? { minLength: min } : {}),
      ...(maxLength !== undefined ? { maxLength } : {}),
    };
  }
  if (schema instanceof core.$ZodNumber) {
    const { min, max, exclusiveMin, isInt } = bounds(schema);
    return {
      path,
      step,
      control: 'number',
      required,
      integer: isInt ?? false,
      ...(min !== undefined && Number.isFinite(min) ? { min } : {}),
      ...(max !== undefined && Number.isFinite(max) ? { max } : {}),
      ...(exclusiveMin ? { exclusiveMin } : {}),
    };
  }
  if (schema instanceof core.$ZodEnum) {
    return {
      path,
      step,
      control: 'select',
      required,
      nullable,
      options: schema._zod.values ? ([...schema._zod.values] as string[]) : [],
    };
  }
  if (schema instanceof core.$ZodBoolean) return { path, step, control: 'checkbox', required: false };
  return undefined;
}

/** An array schema's `max(n)`. */
function maxItems(schema: AnySchema): { max?: number } {
  const { max } = bounds(schema);
  return max !== undefined ? { max } : {};
}

function walk(schema: AnySchema, path: string, required: boolean, out: FieldSpec[]): void {
  const { inner, optional, nullable } = unwrap(schema);
  const req = required && !optional;
  if (inner instanceof core.$ZodObject) {
    for (const [key, child] of Object.entries(inner._zod.def.shape)) {
      walk(child, path ? `${path}.${key}` : key, req, out);
    }
    return;
  }
  if (inner instanceof core.$ZodArray) {
    const element = unwrap(inner._zod.def.element).inner;
    const step = STEP_OF[path.split('.')[0] ?? ''] ?? 'site';
    if (element instanceof core.$ZodEnum) {
      out.push({
        path,
        step,
        control: 'checkboxes',
        required: false,
        options: [...(element._zod.values ?? [])] as string[],
        ...maxItems(inner),
      });
    } else if (element instanceof core.$ZodObject) {
      // preferredLocations: names typed one per line (communes/wards after the 2025 reform).
      out.push({ path, step, control: 'locations', required: false, ...maxItems(inner) });
    }
    return;
  }
  const spec = leaf(path, inner, req, nullable);
  if (spec) out.push(spec);
}

/** Every field of the enquiry form, in the schema's order. */
export function enquiryFields(): FieldSpec[] {
  const out: FieldSpec[] = [];
  walk(EnquirySchema, '', true, out);
  return out;
}

/** The form's raw values: text of inputs, a checkbox's boolean, a checkbox group's checked values. */
export type FormValues = Record<string, string | boolean | readonly string[] | undefined>;

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function ensureParents(target: Record<string, unknown>, path: string): void {
  let node = target;
  for (const part of path.split('.').slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
}

/** "1 200,5" or "1200.5" → 1200.5; text that is no number stays text (the schema names it). */
function toNumber(raw: string): number | string {
  const compact = raw.replace(/[\s_]/g, '');
  if (/^-?\d+(?:[.,]\d+)?(?:e\d+)?$/i.test(compact)) return Number(compact.replace(',', '.'));
  return raw;
}

/**
 * The enquiry the form's values describe. An empty optional field is left out (an optional object whose
 * fields are all empty, e.g. a foreign registration not given, is left out whole); an empty required
 * field is left out too, so the schema reports it as required.
 */
export function toEnquiry(fields: readonly FieldSpec[], values: FormValues): unknown {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.path];
    // A required field's objects exist, so an empty one is reported at its own path, not its parent's.
    if (field.required && field.path.includes('.')) ensureParents(out, field.path);
    switch (field.control) {
      case 'checkbox':
        setPath(out, field.path, raw === true);
        break;
      case 'checkboxes':
        if (Array.isArray(raw) && raw.length > 0) setPath(out, field.path, [...raw]);
        break;
      case 'locations': {
        const names = typeof raw === 'string' ? raw.split(/[\n;]/).map((n) => n.trim()) : [];
        const list = names.filter((n) => n !== '').map((name) => ({ type: 'communeOrWard', name }));
        if (list.length > 0) setPath(out, field.path, list);
        break;
      }
      case 'select':
        if (typeof raw === 'string' && raw !== '') setPath(out, field.path, raw);
        else if (field.nullable) setPath(out, field.path, null);
        break;
      case 'number':
        if (typeof raw === 'string' && raw.trim() !== '') setPath(out, field.path, toNumber(raw.trim()));
        break;
      default:
        if (typeof raw === 'string' && raw.trim() !== '') setPath(out, field.path, raw.trim());
    }
  }
  return out;
}

export interface FieldError {
  rule: string;
  message: string;
}

export type FormCheck =
  | { ok: true; enquiry: z.infer<typeof EnquirySchema> }
  | { ok: false; byField: Record<string, FieldError[]>; unplaced: EnquiryFieldError[] };

/**
 * The field an error path belongs to: the field itself, the field holding it (`preferredLocations[0].name`
 * → `preferredLocations`), or the first field under it (`investor.foreignRegistration` → its country).
 */
export function fieldOf(fields: readonly FieldSpec[], errorPath: string): string | undefined {
  const path = errorPath.replace(/^body\./, '').replace(/\[\d+\].*$/, '');
  if (fields.some((f) => f.path === path)) return path;
  const holder = fields.find((f) => path.startsWith(`${f.path}.`));
  if (holder) return holder.path;
  return fields.find((f) => f.path.startsWith(`${path}.`))?.path;
}

/** Groups field errors (from parseEnquiry or a 400's `errors`) by the field that shows them. */
export function placeErrors(fields: readonly FieldSpec[], errors: readonly EnquiryFieldError[]) {
  const byField: Record<string, FieldError[]> = {};
  const unplaced: EnquiryFieldError[] = [];
  for (const e of errors) {
    const field = fieldOf(fields, e.path);
    if (field === undefined) unplaced.push(e);
    else byField[field] = [...(byField[field] ?? []), { rule: e.rule, message: e.message }];
  }
  return { byField, unplaced };
}

/** Validates the form's values with the API's own parser. */
export function checkForm(fields: readonly FieldSpec[], values: FormValues): FormCheck {
  const parsed = parseEnquiry(toEnquiry(fields, values));
  if (parsed.ok) return { ok: true, enquiry: parsed.enquiry };
  return { ok: false, ...placeErrors(fields, parsed.errors) };
}

const fmt = (n: number, lang: Lang) => n.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB');

/** Hints for a field's pattern, worded for people (the schema's regex is not). */
const PATTERN_HINTS: Record<string, { vi: string; en: string }> = {
  'investor.enterpriseCode': {
    vi: 'mã số doanh nghiệp gồm 10 chữ số, hoặc 13 (0101234567-001)',
    en: 'a Vietnamese enterprise code: 10 digits, or 13 (0101234567-001)',
  },
  'investor.country': { vi: 'mã quốc gia 2 chữ cái in hoa (VN, KR)', en: 'a 2-letter country code (VN, KR)' },
  'investor.foreignRegistration.country': {
    vi: 'mã quốc gia 2 chữ cái in hoa (KR, JP)',
    en: 'a 2-letter country code (KR, JP)',
  },
  'investor.contact.phone': {
    vi: 'số điện thoại: chữ số, có thể bắt đầu bằng +',
    en: 'a phone number: digits, optionally starting with +',
  },
  'project.vsic.code': { vi: 'mã ngành VSIC cấp 4 gồm 4 chữ số', en: 'a 4-digit VSIC level-4 code' },
};

/** One error in the investor's language, from its rule (the API's English message is the fallback). */
export function errorText(field: FieldSpec | undefined, error: FieldError, lang: Lang): string {
  const vi = lang === 'vi';
  const [rule, arg] = error.rule.split(/:(.*)/s) as [string, string | undefined];
  const n = arg !== undefined ? Number(arg) : Number.NaN;
  const isText = field !== undefined && field.control !== 'number' && field.control !== 'checkboxes';
  switch (rule) {
    case 'required':
      return vi ? 'Bắt buộc' : 'Required';
    case 'type':
      if (arg === 'number') return vi ? 'Phải là một số' : 'Must be a number';
      return vi ? 'Bắt buộc' : 'Required';
    case 'min':
      if (isText && n === 1) return vi ? 'Bắt buộc' : 'Required';
      if (isText) return vi ? `Ít nhất ${fmt(n, lang)} ký tự` : `At least ${fmt(n, lang)} characters`;
      return vi ? `Tối thiểu ${fmt(n, lang)}` : `At least ${fmt(n, lang)}`;
    case 'gt':
      return vi ? `Phải lớn hơn ${fmt(n, lang)}` : `Must be more than ${fmt(n, lang)}`;
    case 'max':
      if (isText) return vi ? `Tối đa ${fmt(n, lang)} ký tự` : `At most ${fmt(n, lang)} characters`;
      if (field?.control === 'checkboxes' || field?.control === 'locations')
        return vi ? `Chọn tối đa ${fmt(n, lang)}` : `Choose at most ${fmt(n, lang)}`;
      return vi ? `Tối đa ${fmt(n, lang)}` : `At most ${fmt(n, lang)}`;
    case 'lt':
      return vi ? `Phải nhỏ hơn ${fmt(n, lang)}` : `Must be less than ${fmt(n, lang)}`;
    case 'type:number':
      return vi ? 'Phải là một số' : 'Must be a number';
    case 'pattern': {
      const hint = field ? PATTERN_HINTS[field.path] : undefined;
      if (hint) return vi ? `Phải là ${hint.vi}` : `Must be ${hint.en}`;
      return vi ? 'Sai định dạng' : 'Wrong format';
    }
    case 'format':
      if (arg === 'email') return vi ? 'Phải là địa chỉ email' : 'Must be an e-mail address';
      if (arg === 'date') return vi ? 'Phải là ngày (YYYY-MM-DD)' : 'Must be a date (YYYY-MM-DD)';
      return vi ? 'Sai định dạng' : 'Wrong format';
    case 'enum':
      return vi ? 'Hãy chọn một giá trị trong danh sách' : 'Choose one of the listed values';
    case 'iso3166':
      return vi ? 'Không phải mã quốc gia ISO 3166-1' : 'Not an assigned ISO 3166-1 country code';
    case 'exactly_one_of':
      return error.message.includes('not both')
        ? vi
          ? 'Chỉ nhập mã số doanh nghiệp hoặc đăng ký nước ngoài, không nhập cả hai'
          : 'Give either a Vietnamese enterprise code or a foreign registration, not both'
        : vi
          ? 'Cần mã số doanh nghiệp Việt Nam hoặc đăng ký nước ngoài'
          : 'A Vietnamese enterprise code or a foreign registration is required';
    case 'foreign_registration_not_vn':
      return vi
        ? 'Nhà đầu tư Việt Nam dùng mã số doanh nghiệp, không dùng đăng ký nước ngoài'
        : 'A Vietnamese investor registers with its enterprise code, not a foreign registration';
    case 'min_date':
      return vi ? `Từ ngày ${arg} trở đi` : `Must be ${arg} or later`;
    case 'usd_not_above_vnd':
      return vi
        ? 'Số USD lớn hơn số VND: có nhầm lẫn hai ô không?'
        : 'The USD amount exceeds the VND amount: are the two swapped?';
    case 'unknown_key':
      return vi ? 'Trường không được chấp nhận' : 'Field not accepted';
    default:
      return error.message;
  }
}

function getPath(source: unknown, path: string): unknown {
  let node = source;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The form values showing an enquiry (to fill the form again, e.g. from a draft). */
export function fromEnquiry(fields: readonly FieldSpec[], enquiry: unknown): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const v = getPath(enquiry, field.path);
    switch (field.control) {
      case 'checkbox':
        values[field.path] = v === true;
        break;
      case 'checkboxes':
        values[field.path] = Array.isArray(v) ? v.map(String) : [];
        break;
      case 'locations':
        values[field.path] = Array.isArray(v)
          ? v.map((l) => String((l as { name?: unknown })?.name ?? '')).join('\n')
          : '';
        break;
      default:
        values[field.path] = v === undefined || v === null ? '' : String(v);
    }
  }
  return values;
}
