// Parsing, validation and printing of config values with Kafka's ConfigDef rules, and
// the layering of broker config sources (dynamic per-broker > dynamic cluster default >
// static server.properties > built-in default) that Kafka applies.
import {
  brokerConfigDefinition,
  type ConfigDefinition,
  type ConfigType,
  type ConfigValidator,
} from './definitions.js';

/** A parsed value: BOOLEAN → boolean, INT/SHORT/DOUBLE → number, LONG → bigint, LIST → string[], others → string. */
export type ConfigValue = boolean | number | bigint | string | readonly string[];

export type ParseResult =
  | { readonly ok: true; readonly value: ConfigValue; /** As DescribeConfigs prints the parsed value. */ readonly text: string }
  | { readonly ok: false; readonly message: string };

/** Where the broker's settings come from; every map holds values as written, unknown keys included. */
export interface BrokerConfigSources {
  /** server.properties plus command-line overrides. */
  readonly staticConfig: ReadonlyMap<string, string>;
  /** Dynamic configs set for this broker id. */
  readonly dynamicBrokerConfig?: ReadonlyMap<string, string>;
  /** Dynamic configs set as the cluster-wide broker default. */
  readonly dynamicDefaultConfig?: ReadonlyMap<string, string>;
}

export class ConfigValueError extends Error {
  override name = 'ConfigValueError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

const INTEGER = /^[+-]?\d+$/;
// What Java's Double.parseDouble accepts in practice (no hex floats).
const DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?$/;
const INTEGER_BOUNDS: Partial<Record<ConfigType, readonly [bigint, bigint]>> = {
  SHORT: [-32768n, 32767n],
  INT: [-2147483648n, 2147483647n],
  LONG: [-9223372036854775808n, 9223372036854775807n],
};

/** Kafka's ConfigException wording, so operators see the message they know. */
export function invalidValueMessage(name: string, value: string | null, reason: string): string {
  return `Invalid value ${value} for configuration ${name}: ${reason}`;
}

/** Parses and validates one value against its definition, as ConfigDef.parse does. */
export function parseConfigValue(definition: ConfigDefinition, raw: string): ParseResult {
  const parsed = parseByType(definition.type, raw);
  if (!parsed.ok) return { ok: false, message: invalidValueMessage(definition.name, raw, parsed.message) };
  const problem = definition.validator ? checkValidator(definition.validator, parsed.value) : undefined;
  if (problem !== undefined) return { ok: false, message: invalidValueMessage(definition.name, problem.shown ?? raw, problem.reason) };
  return { ok: true, value: parsed.value, text: formatConfigValue(definition.type, parsed.value) };
}

function parseByType(type: ConfigType, raw: string): { ok: true; value: ConfigValue } | { ok: false; message: string } {
  // Passwords keep their exact characters; everything else is trimmed first, as in ConfigDef.
  if (type === 'PASSWORD') return { ok: true, value: raw };
  const text = raw.trim();
  switch (type) {
    case 'BOOLEAN': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
      return { ok: false, message: 'Expected value to be either true or false' };
    }
    case 'SHORT':
    case 'INT':
    case 'LONG': {
      const bounds = INTEGER_BOUNDS[type];
      if (!INTEGER.test(text) || !bounds) return { ok: false, message: `Not a number of type ${type}` };
      const big = BigInt(text);
      if (big < bounds[0] || big > bounds[1]) return { ok: false, message: `Not a number of type ${type}` };
      return { ok: true, value: type === 'LONG' ? big : Number(big) };
    }
    case 'DOUBLE': {
      if (!DECIMAL.test(text)) return { ok: false, message: 'Not a number of type DOUBLE' };
      return { ok: true, value: Number(text.replace(/[fFdD]$/, '')) };
    }
    case 'LIST':
      return { ok: true, value: text === '' ? [] : text.split(/\s*,\s*/) };
    case 'STRING':
    case 'CLASS':
      return { ok: true, value: text };
  }
}

function checkValidator(validator: ConfigValidator, value: ConfigValue): { reason: string; shown?: string } | undefined {
  switch (validator.kind) {
    case 'range': {
      const n = typeof value === 'bigint' ? value : typeof value === 'number' ? value : undefined;
      if (n === undefined) return undefined;
      if (validator.orExactly !== undefined && Number(n) === validator.orExactly) return undefined;
      const tooLow = validator.min !== undefined && n < validator.min;
      const tooHigh = validator.max !== undefined && n > validator.max;
      if (!tooLow && !tooHigh) return undefined;
      if (validator.orExactly !== undefined) {
        return { reason: `Value must be between ${validator.min} and ${validator.max}, or ${validator.orExactly}` };
      }
      return tooLow ? { reason: `Value must be at least ${validator.min}` } : { reason: `Value must be no more than ${validator.max}` };
    }
    case 'enum': {
      const text = String(value);
      const ok = validator.caseInsensitive
        ? validator.values.some((v) => v.toLowerCase() === text.toLowerCase())
        : validator.values.includes(text);
      if (ok) return undefined;
      const qualifier = validator.caseInsensitive ? ' (case insensitive)' : '';
      return { reason: `String must be one of${qualifier}: ${validator.values.join(', ')}` };
    }
    case 'list-of-enum': {
      const items = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
      const bad = items.find((item) => !validator.values.includes(item));
      return bad === undefined ? undefined : { reason: `String must be one of: ${validator.values.join(', ')}`, shown: bad };
    }
    case 'throttled-replicas': {
      const items = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
      const wildcard = items.length === 1 && items[0] === '*';
      if (wildcard || items.every((item) => /^\d+:\d+$/.test(item))) return undefined;
      return { reason: "must be the literal '*' or a list of replicas in the form [partitionId]:[brokerId],[partitionId]:[brokerId],..." };
    }
  }
}

/** ConfigDef.convertToString: how a parsed value is printed in DescribeConfigs. */
export function formatConfigValue(type: ConfigType, value: ConfigValue): string {
  if (Array.isArray(value)) return value.join(',');
  if (type === 'DOUBLE' && typeof value === 'number') return javaDoubleToString(value);
  return String(value);
}

/** Java's Double.toString, which Kafka uses for DOUBLE configs ("0.5", "1.0", "1.7976931348623157E308"). */
export function javaDoubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** A LONG as a JS number for the storage layer; Long.MAX_VALUE ("never") becomes Number.MAX_SAFE_INTEGER. */
export function longToNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}

/**
 * The raw broker value of a key after layering: per-broker dynamic, then cluster default, then
 * static, then the built-in default. Undefined when no layer sets it and Kafka's default is null.
 */
export function layeredBrokerValue(sources: BrokerConfigSources, key: string): string | undefined {
  return (
    sources.dynamicBrokerConfig?.get(key) ??
    sources.dynamicDefaultConfig?.get(key) ??
    sources.staticConfig.get(key) ??
    brokerConfigDefinition(key)?.defaultValue ??
    undefined
  );
}

/** The typed broker value of a known key; throws ConfigValueError naming the key when the value is invalid. */
export function brokerValue(sources: BrokerConfigSources, key: string): ConfigValue | undefined {
  const definition = brokerConfigDefinition(key);
  const raw = layeredBrokerValue(sources, key);
  if (!definition || raw === undefined) return raw;
  const parsed = parseConfigValue(definition, raw);
  if (!parsed.ok) throw new ConfigValueError(key, parsed.message);
  return parsed.value;
}
