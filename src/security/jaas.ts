// Kafka's inline JAAS syntax (sasl.jaas.config): `<LoginModule> <flag> key=value ... ;`, as
// org.apache.kafka.common.security.JaasConfig reads it: words or double-quoted values (with
// backslash escapes), // and /* */ comments, one or more modules each ended by ';'.

export type JaasControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasLoginModule {
  readonly loginModule: string;
  readonly controlFlag: JaasControlFlag;
  readonly options: ReadonlyMap<string, string>;
}

export class JaasConfigError extends Error {
  override readonly name = 'JaasConfigError';
}

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: '=' | ';' };

const WORD = /[A-Za-z0-9_$.-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasConfigError('unterminated comment');
      i = end + 2;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasConfigError('unterminated quoted value');
        const q = text[i++]!;
        if (q === '"') break;
        if (q === '\\' && i < text.length) value += text[i++]!;
        else value += q;
      }
      tokens.push({ kind: 'quoted', text: value });
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    } else {
      throw new JaasConfigError(`unexpected character '${c}'`);
    }
  }
  return tokens;
}

/** Parses a JAAS config value; the error never quotes option values (they hold passwords). */
export function parseJaasConfig(text: string): JaasLoginModule[] {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  while (i < tokens.length) {
    const name = tokens[i++];
    const flag = tokens[i++];
    if (name?.kind !== 'word') throw new JaasConfigError('expected a login module class name');
    if (flag?.kind !== 'word' || !['required', 'requisite', 'sufficient', 'optional'].includes(flag.text.toLowerCase())) {
      throw new JaasConfigError(`login module ${name.text}: expected a control flag (required, requisite, sufficient or optional)`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const token = tokens[i++];
      if (token === undefined) throw new JaasConfigError(`login module ${name.text}: expected ';' at the end`);
      if (token.kind === ';') break;
      const eq = tokens[i++];
      const value = tokens[i++];
      if (token.kind !== 'word' || eq?.kind !== '=' || (value?.kind !== 'word' && value?.kind !== 'quoted')) {
        throw new JaasConfigError(`login module ${name.text}: expected option=value`);
      }
      options.set(token.text, value.text);
    }
    modules.push({ loginModule: name.text, controlFlag: flag.text.toLowerCase() as JaasControlFlag, options });
  }
  if (modules.length === 0) throw new JaasConfigError('no login module');
  return modules;
}

/** PlainLoginModule's `user_<name>="<password>"` options: the users a PLAIN listener accepts. */
export function plainUsersFromJaas(modules: readonly JaasLoginModule[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const module of modules) {
    if (module.loginModule !== PLAIN_LOGIN_MODULE) continue;
    for (const [key, value] of module.options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  }
  return users;
}

/** A JAAS value holding `text`, quoted and escaped so parseJaasConfig reads it back unchanged. */
export function quoteJaasValue(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
