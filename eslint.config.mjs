import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '*.js', '*.mjs', 'test/client/callplan-api.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config only.' }],
    },
  },
  { files: ['src/config/**', 'test/**', 'bench/**'], rules: { 'no-restricted-properties': 'off' } },
  {
    // the embeddable pages' script runs in the browser (templates/web/static)
    files: ['templates/web/static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'localStorage', 'fetch', 'FormData', 'URLSearchParams', 'CSS', 'atob',
          'setTimeout', 'clearTimeout', 'console', 'navigator'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
