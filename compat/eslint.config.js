// compat/ and scripts/ are plain Node with no build step: the root config
// plus Node's globals (ESLint looks up the config nearest to each file;
// scripts/eslint.config.js re-exports this one).
import root from '../eslint.config.js';

const readonly = (names) => Object.fromEntries(names.map((name) => [name, 'readonly']));
const nodeGlobals = readonly(['process', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Buffer', 'URL']);

export default [
  ...root,
  { ignores: ['**/node_modules/**'] },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: nodeGlobals } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...readonly(['require', 'module', '__dirname']) } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
