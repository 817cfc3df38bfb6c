import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The Grafana plugins keep create-plugin's own ESLint setup (`npm run lint --workspaces`).
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/.config/**',
      'bench/out/**',
      'grafana-datasource-plugin/**',
      'grafana-panel-plugin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // node-red-node-test-helper loads node modules written as `export =`; tests import them with `import x = require()`.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Node-RED's own idiom for node constructors: `const node = this;`.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
);
