// ESLint flat config: typescript-eslint for the whole tree, react-hooks for the UI folders.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['components/**/*.tsx', 'screens/**/*.tsx', 'components/**/*.ts', 'screens/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Build and tool scripts run on Node directly.
    files: ['*.mjs', '*.js'],
    languageOptions: {
      globals: { URL: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
  {
    // src/ is the core: it must stay free of React and Ink (ARCHITECTURE.md).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['react', 'ink', 'ink-select-input'] }],
    },
  },
);
