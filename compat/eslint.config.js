// compat/ is plain Node ESM with no build step: the root config plus Node's
// globals (ESLint looks up the config nearest to each file).
import root from '../eslint.config.js';

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Buffer', 'URL'].map((name) => [name, 'readonly']),
);

export default [...root, { ignores: ['**/node_modules/**'] }, { files: ['**/*.js'], languageOptions: { globals: nodeGlobals } }];
