import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import tenure from './scripts/eslint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tmp/**', '**/*-tmp.mts', 'dist/**', 'coverage/**', 'bench/out/**', '**/*.duckdb*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { tenure },
    rules: { 'tenure/layers': 'error' },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
