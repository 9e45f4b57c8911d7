// Type-aware linting (typescript-eslint strict + stylistic, type-checked) for
// everything TypeScript in the tree; `npm run lint` runs it with no warning allowed.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.tmp/', 'node_modules/', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans read well in messages; objects and nullish values are still caught.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // With noUncheckedIndexedAccess, `!` is how the code says "checked just above"; tsc keeps the rest honest.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `(x) => void set.add(x)` and arrow bodies returning void calls are this codebase's idiom.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // T[] for simple types, Array<{ … }> for the rest: how the code already reads.
      '@typescript-eslint/array-type': ['error', { default: 'array-simple' }],
      // `value || undefined` on strings is deliberate: an empty environment variable or file means "not set".
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // Methods that implement a Promise-returning interface (Sink.close, Lock.release) need not await anything.
      '@typescript-eslint/require-await': 'off',
      // A closure may read a variable assigned later (the dashboard's first read).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Control characters in patterns are the point where we strip or escape them (secrets, chat, ids).
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read JSON the commands print and poke at values on purpose.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
