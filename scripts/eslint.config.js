// Same rules as compat/: plain Node scripts with no build step.
export { default } from '../compat/eslint.config.js';
